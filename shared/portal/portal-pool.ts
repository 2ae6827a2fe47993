/**
 * The portal user pool's schema and app-client attribute permissions, defined once: the CDK
 * stack (infra/stack.ts) and the local cognito-local pools (infra/local/engines/cognito.ts) are
 * both generated from this module, so the pool a test logs in to is the pool AWS runs.
 *
 * Why it is strict: a portal user holds an access token that may call UpdateUserAttributes and
 * DeleteUserAttributes on itself. Nothing a user can write may name a contact; the contact is
 * found from the user's `sub` alone (the `PORTALUSER#<sub>` item the server writes at invite).
 */
import type { SchemaAttributeType } from '@aws-sdk/client-cognito-identity-provider';

/** Custom attributes (name without `custom:`). Immutable: set once by AdminCreateUser, never rewritten. */
export const PORTAL_CUSTOM_ATTRIBUTES = {
  /** The contact the server created the user for; informational (resolution is by `sub`) and used to tell a concurrent invite from a stale user. */
  contactId: { mutable: false, minLen: 26, maxLen: 26 },
} as const;

export const CONTACT_ID_ATTRIBUTE = 'custom:contactId';

/**
 * Standard attributes by the keys CDK's `StandardAttributesMask` uses, with their Cognito names.
 * Only those the portal client reads or writes are listed.
 */
const STANDARD = { email: 'email', emailVerified: 'email_verified', givenName: 'given_name', familyName: 'family_name' } as const;
export type PortalStandardAttribute = keyof typeof STANDARD;

/**
 * What the portal app client may read and write with a user's own access token. Email changes
 * go through staff (PATCH /v1/contacts/{id}); no custom attribute is readable or writable.
 */
export const PORTAL_CLIENT_ATTRIBUTES: { read: readonly PortalStandardAttribute[]; write: readonly PortalStandardAttribute[] } = {
  read: ['email', 'emailVerified', 'givenName', 'familyName'],
  write: ['givenName', 'familyName'],
};

/** Cognito's names for a list of standard attributes (`givenName` → `given_name`). */
export const cognitoAttributeNames = (list: readonly PortalStandardAttribute[]): string[] => list.map((a) => STANDARD[a]);

/** The `Schema` of CreateUserPool / `CustomAttributes` of AddCustomAttributes, as the Cognito API takes it. */
export const portalSchemaAttributes = (): SchemaAttributeType[] =>
  Object.entries(PORTAL_CUSTOM_ATTRIBUTES).map(([name, a]) => ({
    Name: name,
    AttributeDataType: 'String',
    Mutable: a.mutable,
    DeveloperOnlyAttribute: false,
    Required: false,
    StringAttributeConstraints: { MinLength: String(a.minLen), MaxLength: String(a.maxLen) },
  }));
