/**
 * The contact resource's fields (API.md) as a plain list, without zod: the repository maps a
 * stored contact to them, and a Cognito trigger or worker that reads a contact then loads
 * neither zod nor the schemas at cold start (docs/benchmarks.md §5). `contact.schema.ts` checks,
 * at compile time, that its `contactSchema` has exactly these fields.
 */
export const CONTACT_RESOURCE_FIELDS = ['id', 'companyId', 'firstName', 'lastName', 'email', 'phone', 'title', 'status', 'portal', 'counts', 'source', 'externalId', 'externalIds', 'version', 'createdAt', 'updatedAt'] as const;
