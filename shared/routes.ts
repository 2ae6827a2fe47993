/**
 * The route table: every HTTP route of the API, as data only (no handler imports), so the CDK
 * stack, the local gateway, the OpenAPI check and the handlers' own role checks all read the
 * same entries. A route is declared here and nowhere else. It also says which Lambda function
 * serves each route: its `area`'s function, or (no area) a function of its own.
 */
import type { QueueName } from './queues';

export const STAFF_GROUPS = ['SuperAdmin', 'Admin', 'MSPAdmin', 'ComplianceAdmin', 'Technician'] as const;
export type StaffGroup = (typeof STAFF_GROUPS)[number];

/**
 * The API's area functions: one Lambda function each, serving every route declared with that
 * `area`. Its entry, `functions/<area>/api.ts`, maps each of those routes' modules to a lazy
 * `import()` (bundled by esbuild, run on the module's first request) and dispatches on
 * `event.routeKey` (functions/dispatch.ts). Its grants are the union of its routes' needs.
 */
export const AREAS = ['companies', 'contacts', 'records', 'portal', 'imports', 'billing', 'service'] as const;
export type Area = (typeof AREAS)[number];

/** What an integration key may be allowed to call (`integrationKeys` on a route). */
export const INTEGRATION_SCOPES = ['signals'] as const;
export type IntegrationScope = (typeof INTEGRATION_SCOPES)[number];

/** Who may call a route: a staff-pool token, a portal-pool token, or nobody (public). */
export type Pool = 'staff' | 'portal' | 'public';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** What the route's function may do with the table; CDK grants exactly this. */
export type TableAccess = 'none' | 'read' | 'write';

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path syntax: `/v1/companies/{id}`. */
  path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  handler: string;
  /**
   * The area function that serves it (see `AREAS`), which dispatches on `event.routeKey` to
   * `handler`. None: the route's module is a function of its own, as public routes, routes that
   * talk to a vendor (QuickBooks, Microsoft 365) and the CSV upload are (test/infra/stack.test.ts).
   */
  area?: Area;
  pool: Pool;
  /** Staff routes: the groups allowed. `SuperAdmin` is always allowed. */
  groups?: readonly StaffGroup[];
  table: TableAccess;
  /** Queues it puts work on, through the outbox (an item in its transaction): no SQS access of its own (the relay sends); a sealed one (mail) gives it the outbox key. */
  queues?: readonly QueueName[];
  /** Manages portal-pool users (create, set password, disable, sign out): gets those Cognito actions. */
  portalUsers?: boolean;
  /** Reads the staff directory (shared/staff/staff-directory.ts): gets ListUsers and ListUsersInGroup on the staff pool, nothing else of Cognito. */
  staffDirectory?: boolean;
  /** Talks to QuickBooks Online: gets its client credentials and the token-encryption key. */
  quickbooks?: boolean;
  /** Talks to Microsoft 365 (Entra, Graph): gets the app's client id and secret. */
  m365?: boolean;
  /**
   * A staff route that an integration key with this scope may call too (an RMM, EDR or backup
   * tool posting signals: a machine cannot sign in to the MFA staff pool). The gateway passes it
   * through without its JWT authorizer (an HTTP API route has one), and the function verifies
   * the bearer itself: a staff token exactly as the authorizer would, or a key
   * (`shared/http/request.ts`).
   */
  integrationKeys?: IntegrationScope;
  /** Manages webhook subscriptions: gets the key that seals their signing secrets. */
  webhooks?: boolean;
  /** Signs or verifies what clients carry back (list cursors, links, OAuth state): gets the signing key. */
  signing?: boolean;
  /** Largest accepted request body, in bytes (default 1 MB). */
  maxBodyBytes?: number;
  /** One line for the OpenAPI document. */
  summary: string;
  /** Function settings; default `routeFunctionDefaults`. Only a route with a function of its own (no `area`) sets them. */
  timeoutSeconds?: number;
  memoryMb?: number;
  /** Request rate the gateway allows on this route; default `poolThrottle[pool]`. */
  throttle?: Throttle;
}

/**
 * API Gateway's route throttling (a token bucket per route, shared by every caller): `rateLimit`
 * requests per second refill a bucket of `burstLimit`. The CDK stage and the local gateway both
 * read it from here through `throttleOf`.
 */
export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

/**
 * Limits by pool. Public routes need no login, so anyone can drive them: they get the tightest
 * limit (enough for people setting passwords and OAuth redirects, not for a script).
 */
export const poolThrottle: Record<Pool, Throttle> = {
  staff: { rateLimit: 100, burstLimit: 200 },
  portal: { rateLimit: 50, burstLimit: 100 },
  public: { rateLimit: 10, burstLimit: 20 },
};

export const throttleOf = (r: Pick<RouteDef, 'pool' | 'throttle'>): Throttle => r.throttle ?? poolThrottle[r.pool];

/** The catch-all route (unknown paths) is throttled like a public route: it needs no token either. */
export const fallbackThrottle: Throttle = poolThrottle.public;

/** An API function's timeout and memory unless its route says otherwise (API Gateway waits 30 s at most). */
export const routeFunctionDefaults = { timeoutSeconds: 10, memoryMb: 512 } as const;

/** The four routes of a related-record kind (tickets, assets, invoices): one generic handler per verb. */
function recordRoutes<P extends string, K extends string, G extends readonly StaffGroup[]>(plural: P, kind: K, editors: G) {
  return [
    { method: 'POST', path: `/v1/${plural}`, handler: `functions/records/create-${kind}.ts`, area: 'records', pool: 'staff', groups: editors, table: 'write', summary: `Create a ${kind}` },
    { method: 'GET', path: `/v1/${plural}`, handler: `functions/records/list-${plural}.ts`, area: 'records', pool: 'staff', groups: STAFF_GROUPS, table: 'read', signing: true, summary: `List ${plural} of a company or a contact` },
    { method: 'GET', path: `/v1/${plural}/{id}`, handler: `functions/records/get-${kind}.ts`, area: 'records', pool: 'staff', groups: STAFF_GROUPS, table: 'read', summary: `Get a ${kind}` },
    { method: 'PATCH', path: `/v1/${plural}/{id}`, handler: `functions/records/update-${kind}.ts`, area: 'records', pool: 'staff', groups: editors, table: 'write', summary: `Update or move a ${kind}` },
  ] as const;
}

// Role sets from API.md's role table.
const EVERY_STAFF = STAFF_GROUPS;
const COMPANY_EDITORS = ['Admin', 'MSPAdmin'] as const;
const CONTACT_EDITORS = ['Technician', 'Admin', 'MSPAdmin'] as const;
const FINANCE = ['Admin', 'MSPAdmin'] as const;
const ARCHIVERS = ['Admin', 'MSPAdmin', 'ComplianceAdmin'] as const;
const INTEGRATORS = ['Admin', 'MSPAdmin'] as const;
const IMPORTERS = ['Admin', 'MSPAdmin'] as const;
/** Only SuperAdmin (always allowed) may call a route with no groups. */
const SUPER_ADMIN_ONLY = [] as const;

export const routes = [
  // Companies
  { method: 'POST', path: '/v1/companies', handler: 'functions/companies/create-company.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', staffDirectory: true, summary: 'Create a company' },
  { method: 'GET', path: '/v1/companies', handler: 'functions/companies/list-companies.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: 'List companies by name, with case-insensitive prefix search' },
  { method: 'GET', path: '/v1/companies/{id}', handler: 'functions/companies/get-company.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'Get a company' },
  { method: 'PATCH', path: '/v1/companies/{id}', handler: 'functions/companies/update-company.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', staffDirectory: true, summary: 'Update a company' },
  { method: 'GET', path: '/v1/companies/{id}/audit', handler: 'functions/audit/list-company-audit.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: "A company's audit entries, newest first" },
  { method: 'GET', path: '/v1/audit', handler: 'functions/audit/list-audit.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: 'Audit entries of a company, also after its permanent delete' },
  { method: 'PUT', path: '/v1/companies/{id}/primary-contact', handler: 'functions/companies/set-primary-contact.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: "Set the company's primary contact" },

  // Staff directory: read by every company write that sets an account manager, so it is served by the same function (one grant, one cache).
  { method: 'GET', path: '/v1/staff', handler: 'functions/staff/list-staff.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'none', staffDirectory: true, summary: 'The staff directory: staff users with their groups (account managers are chosen from it)' },

  // Company lifecycle
  { method: 'POST', path: '/v1/companies/{id}/archive', handler: 'functions/companies/archive-company.ts', area: 'companies', pool: 'staff', groups: ARCHIVERS, table: 'write', queues: ['quickbooks-sync'], summary: 'Archive a company (reversible)' },
  { method: 'POST', path: '/v1/companies/{id}/restore', handler: 'functions/companies/restore-company.ts', area: 'companies', pool: 'staff', groups: ARCHIVERS, table: 'write', queues: ['quickbooks-sync'], summary: 'Restore an archived company' },
  { method: 'GET', path: '/v1/companies/{id}/deletion-preview', handler: 'functions/companies/get-deletion-preview.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'What a permanent delete would be blocked by, unassign and delete' },
  { method: 'DELETE', path: '/v1/companies/{id}', handler: 'functions/companies/delete-company.ts', area: 'companies', pool: 'staff', groups: SUPER_ADMIN_ONLY, table: 'write', queues: ['company-cleanup', 'quickbooks-sync'], summary: 'Permanently delete an archived company (SuperAdmin; confirmed by its exact name)' },
  { method: 'GET', path: '/v1/jobs/{id}', handler: 'functions/jobs/get-job.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'A background job and its progress' },
  { method: 'GET', path: '/v1/companies/{id}/compliance-organization', handler: 'functions/compliance/get-compliance-organization.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: "The company's compliance organization" },
  { method: 'POST', path: '/v1/companies/{id}/compliance-organization', handler: 'functions/compliance/promote-company.ts', area: 'companies', pool: 'staff', groups: ARCHIVERS, table: 'write', summary: 'Promote an active company to a compliance organization' },
  { method: 'POST', path: '/v1/companies/{id}/compliance-organization/archive', handler: 'functions/compliance/archive-compliance-organization.ts', area: 'companies', pool: 'staff', groups: ARCHIVERS, table: 'write', summary: "Archive the company's compliance organization" },

  // QuickBooks Online
  { method: 'GET', path: '/v1/integrations/quickbooks/connect', handler: 'functions/quickbooks/connect.ts', pool: 'staff', groups: INTEGRATORS, table: 'none', signing: true, quickbooks: true, summary: "Intuit's authorize URL, with a signed state" },
  { method: 'GET', path: '/v1/public/quickbooks/callback', handler: 'functions/quickbooks/callback.ts', pool: 'public', table: 'write', signing: true, quickbooks: true, summary: 'OAuth callback: stores the tokens (encrypted) and the realm' },
  { method: 'POST', path: '/v1/companies/{id}/quickbooks/link', handler: 'functions/quickbooks/link-company.ts', pool: 'staff', groups: INTEGRATORS, table: 'write', quickbooks: true, summary: 'Link a company to a QuickBooks customer (existing or new)' },

  // Imports
  { method: 'GET', path: '/v1/imports/templates/{template}', handler: 'functions/imports/get-template.ts', area: 'imports', pool: 'staff', groups: EVERY_STAFF, table: 'none', summary: 'A CSV template to fill in (contacts.csv, companies.csv)' },
  { method: 'POST', path: '/v1/imports', handler: 'functions/imports/create-import.ts', pool: 'staff', groups: IMPORTERS, table: 'write', queues: ['imports'], maxBodyBytes: 5 * 1024 * 1024, timeoutSeconds: 29, memoryMb: 1024, summary: 'Upload a CSV of contacts or companies; it is imported in the background' },
  { method: 'GET', path: '/v1/imports/{id}', handler: 'functions/imports/get-import.ts', area: 'imports', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'An import job: progress, counts and row errors' },
  { method: 'GET', path: '/v1/imports/{id}/errors.csv', handler: 'functions/imports/get-import-errors.ts', area: 'imports', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'The rows that failed, as uploaded, with an error column' },

  // Microsoft 365
  { method: 'GET', path: '/v1/integrations/m365/consent-url', handler: 'functions/m365/get-consent-url.ts', pool: 'staff', groups: INTEGRATORS, table: 'read', signing: true, m365: true, summary: "The Microsoft admin-consent URL for a company's tenant" },
  { method: 'GET', path: '/v1/public/m365/callback', handler: 'functions/m365/consent-callback.ts', pool: 'public', table: 'write', signing: true, queues: ['m365-sync'], summary: "Microsoft's redirect after admin consent: links the tenant and queues the first sync" },
  { method: 'GET', path: '/v1/integrations/m365/tenants', handler: 'functions/m365/list-tenants.ts', pool: 'staff', groups: INTEGRATORS, table: 'read', m365: true, summary: "The partner's customer tenants, and which company each is linked to" },
  { method: 'POST', path: '/v1/integrations/m365/tenants/import', handler: 'functions/m365/import-tenants.ts', pool: 'staff', groups: INTEGRATORS, table: 'write', m365: true, queues: ['m365-sync'], timeoutSeconds: 29, summary: 'Create and link a company for each chosen customer tenant, and queue its sync' },
  { method: 'POST', path: '/v1/companies/{id}/m365/sync', handler: 'functions/m365/request-sync.ts', area: 'companies', pool: 'staff', groups: INTEGRATORS, table: 'write', queues: ['m365-sync'], summary: "Queue a Microsoft 365 sync of the company's tenant" },
  { method: 'GET', path: '/v1/sync-jobs/{id}', handler: 'functions/m365/get-sync-job.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'A Microsoft 365 sync job and its counts' },

  // Addresses
  { method: 'GET', path: '/v1/companies/{id}/addresses', handler: 'functions/addresses/list-addresses.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: "A company's addresses" },
  { method: 'POST', path: '/v1/companies/{id}/addresses', handler: 'functions/addresses/create-address.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Add an address to a company' },
  { method: 'PATCH', path: '/v1/companies/{id}/addresses/{addressId}', handler: 'functions/addresses/update-address.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Update an address' },
  { method: 'DELETE', path: '/v1/companies/{id}/addresses/{addressId}', handler: 'functions/addresses/delete-address.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Delete an address' },

  // Contacts
  { method: 'POST', path: '/v1/contacts', handler: 'functions/contacts/create-contact.ts', area: 'contacts', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', queues: ['mail'], portalUsers: true, summary: 'Create a contact (optionally inviting it to the portal)' },
  { method: 'GET', path: '/v1/contacts', handler: 'functions/contacts/list-contacts.ts', area: 'contacts', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: 'List contacts: of a company, with no company, or all; by last name' },
  { method: 'GET', path: '/v1/companies/{id}/contacts', handler: 'functions/contacts/list-company-contacts.ts', area: 'contacts', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: "A company's contacts, by last name" },
  { method: 'GET', path: '/v1/contacts/{id}', handler: 'functions/contacts/get-contact.ts', area: 'contacts', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'Get a contact' },
  { method: 'PATCH', path: '/v1/contacts/{id}', handler: 'functions/contacts/update-contact.ts', area: 'contacts', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', portalUsers: true, summary: 'Update or move a contact' },
  { method: 'DELETE', path: '/v1/contacts/{id}', handler: 'functions/contacts/delete-contact.ts', area: 'contacts', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', portalUsers: true, summary: 'Delete a contact (its tickets and assets are kept, unlinked)' },
  { method: 'POST', path: '/v1/contacts/{id}/invite', handler: 'functions/portal/invite-contact.ts', area: 'contacts', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', queues: ['mail'], portalUsers: true, summary: 'Invite a contact to the client portal' },
  { method: 'POST', path: '/v1/contacts/{id}/password-reset', handler: 'functions/portal/reset-contact-password.ts', area: 'contacts', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', queues: ['mail'], summary: "Email a contact a portal password-reset link" },
  { method: 'POST', path: '/v1/contacts/{id}/deactivate', handler: 'functions/contacts/set-contact-status.ts', area: 'contacts', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', portalUsers: true, summary: 'Deactivate a contact (its portal access ends at once)' },
  { method: 'POST', path: '/v1/contacts/{id}/activate', handler: 'functions/contacts/set-contact-status.ts', area: 'contacts', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', portalUsers: true, summary: 'Activate a contact again' },

  // Related records
  ...recordRoutes('tickets', 'ticket', CONTACT_EDITORS),
  ...recordRoutes('assets', 'asset', CONTACT_EDITORS),
  ...recordRoutes('invoices', 'invoice', FINANCE),
  // Invoice actions (API.md v1.1 "Billing runs and invoices")
  { method: 'POST', path: '/v1/invoices/{id}/send', handler: 'functions/invoices/send-invoice.ts', area: 'records', pool: 'staff', groups: FINANCE, table: 'write', queues: ['mail', 'quickbooks-sync'], summary: "Send an invoice: email it to the company's billing contact, and create it in QuickBooks once when the company is linked" },
  { method: 'POST', path: '/v1/invoices/{id}/payments', handler: 'functions/invoices/record-invoice-payment.ts', area: 'records', pool: 'staff', groups: FINANCE, table: 'write', summary: 'Record a payment on a sent invoice (never more than its balance)' },
  { method: 'POST', path: '/v1/invoices/{id}/void', handler: 'functions/invoices/void-invoice.ts', area: 'records', pool: 'staff', groups: FINANCE, table: 'write', summary: 'Void a draft or an unpaid sent invoice' },

  // Ticket comments (staff)
  { method: 'GET', path: '/v1/tickets/{id}/comments', handler: 'functions/comments/list-ticket-comments.ts', area: 'records', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: "A ticket's comments, public and internal" },
  { method: 'POST', path: '/v1/tickets/{id}/comments', handler: 'functions/comments/add-ticket-comment.ts', area: 'records', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', summary: 'Comment on a ticket, public (shown in the portal) or internal' },

  // Time entries (on tickets)
  { method: 'GET', path: '/v1/tickets/{id}/time-entries', handler: 'functions/time-entries/list-time-entries.ts', area: 'records', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: "A ticket's time entries, by date of work" },
  { method: 'POST', path: '/v1/tickets/{id}/time-entries', handler: 'functions/time-entries/create-time-entry.ts', area: 'records', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', summary: "Log time on a ticket, against the company's contract" },
  { method: 'PATCH', path: '/v1/time-entries/{id}', handler: 'functions/time-entries/update-time-entry.ts', area: 'records', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', summary: 'Change a time entry not yet invoiced' },
  { method: 'DELETE', path: '/v1/time-entries/{id}', handler: 'functions/time-entries/delete-time-entry.ts', area: 'records', pool: 'staff', groups: CONTACT_EDITORS, table: 'write', summary: 'Delete a time entry not yet invoiced' },

  // Contracts (API.md v1.1)
  { method: 'GET', path: '/v1/companies/{id}/contracts', handler: 'functions/contracts/list-company-contracts.ts', area: 'billing', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: "A company's contracts" },
  { method: 'POST', path: '/v1/companies/{id}/contracts', handler: 'functions/contracts/create-contract.ts', area: 'billing', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Create a draft contract for a company' },
  { method: 'GET', path: '/v1/contracts', handler: 'functions/contracts/list-contracts.ts', area: 'billing', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: 'List contracts of a company, or of one status' },
  { method: 'GET', path: '/v1/contracts/renewals', handler: 'functions/contracts/list-renewals.ts', area: 'billing', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: 'Active contracts ending soon, with annual value and notice deadline' },
  { method: 'GET', path: '/v1/contracts/{id}', handler: 'functions/contracts/get-contract.ts', area: 'billing', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'Get a contract' },
  { method: 'PATCH', path: '/v1/contracts/{id}', handler: 'functions/contracts/update-contract.ts', area: 'billing', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Update a contract' },
  { method: 'DELETE', path: '/v1/contracts/{id}', handler: 'functions/contracts/delete-contract.ts', area: 'billing', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Delete a draft contract' },
  { method: 'POST', path: '/v1/contracts/{id}/activate', handler: 'functions/contracts/change-contract-state.ts', area: 'billing', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Activate a draft contract' },
  { method: 'POST', path: '/v1/contracts/{id}/cancel', handler: 'functions/contracts/change-contract-state.ts', area: 'billing', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Cancel a draft or active contract' },
  { method: 'POST', path: '/v1/contracts/{id}/renew', handler: 'functions/contracts/change-contract-state.ts', area: 'billing', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Renew a contract for another term' },
  { method: 'PUT', path: '/v1/companies/{id}/default-contract', handler: 'functions/contracts/set-default-contract.ts', area: 'billing', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: "Set the company's default contract for new tickets" },
  { method: 'GET', path: '/v1/contracts/{id}/usage', handler: 'functions/time-entries/get-contract-usage.ts', area: 'billing', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: "A contract's included, used and overage hours in a period" },

  // Billing runs
  { method: 'POST', path: '/v1/billing-runs', handler: 'functions/billing-runs/start-billing-run.ts', area: 'billing', pool: 'staff', groups: FINANCE, table: 'write', queues: ['billing'], summary: 'Bill every active contract due through a date (in the background)' },
  { method: 'GET', path: '/v1/billing-runs/{id}', handler: 'functions/billing-runs/get-billing-run.ts', area: 'billing', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'A billing run: status and counters' },

  // Service levels (API.md v1.1)
  { method: 'GET', path: '/v1/sla-policies', handler: 'functions/sla/list-sla-policies.ts', area: 'service', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: 'SLA policies' },
  { method: 'POST', path: '/v1/sla-policies', handler: 'functions/sla/create-sla-policy.ts', area: 'service', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Create an SLA policy (the first one is the default)' },
  { method: 'GET', path: '/v1/sla-policies/{id}', handler: 'functions/sla/get-sla-policy.ts', area: 'service', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'Get an SLA policy' },
  { method: 'PATCH', path: '/v1/sla-policies/{id}', handler: 'functions/sla/update-sla-policy.ts', area: 'service', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Update an SLA policy, or make it the default' },
  { method: 'DELETE', path: '/v1/sla-policies/{id}', handler: 'functions/sla/delete-sla-policy.ts', area: 'service', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Delete an SLA policy (not the default, nor one in use)' },

  // Client settings (API.md v1.1)
  { method: 'GET', path: '/v1/companies/{id}/settings', handler: 'functions/settings/get-company-settings.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: "A company's client settings" },
  { method: 'PUT', path: '/v1/companies/{id}/settings', handler: 'functions/settings/put-company-settings.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', staffDirectory: true, summary: "Replace a company's client settings" },

  { method: 'GET', path: '/v1/companies/{id}/notifications', handler: 'functions/notifications/list-company-notifications.ts', area: 'companies', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: "Who the company's notification rules told of each event, and who was skipped and why" },
  // Health (API.md v1.1)
  { method: 'GET', path: '/v1/companies/{id}/health', handler: 'functions/health/get-company-health.ts', area: 'service', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: "The company's health score now, by component, with reasons" },
  { method: 'GET', path: '/v1/companies/{id}/health/history', handler: 'functions/health/list-health-history.ts', area: 'service', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: "The company's daily health scores, newest first" },
  { method: 'POST', path: '/v1/companies/{id}/signals', handler: 'functions/health/post-signal.ts', area: 'service', pool: 'staff', groups: COMPANY_EDITORS, integrationKeys: 'signals', table: 'write', summary: 'Feed the health score a backups, endpoints or security signal (from an RMM, EDR or backup tool)' },
  // Onboarding and the Client 360 (API.md v1.1)
  { method: 'GET', path: '/v1/companies/{id}/onboarding', handler: 'functions/overview/get-onboarding.ts', area: 'service', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: "The company's seven onboarding steps, derived from its data" },
  { method: 'GET', path: '/v1/companies/{id}/overview', handler: 'functions/overview/get-overview.ts', area: 'service', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: 'The Client 360: everything about the company on one screen' },
  { method: 'GET', path: '/v1/settings', handler: 'functions/settings/get-msp-settings.ts', area: 'service', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'The MSP-wide defaults (time zone, currency, ticket categories)' },
  { method: 'PUT', path: '/v1/settings', handler: 'functions/settings/put-msp-settings.ts', area: 'service', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: "Replace the MSP's ticket categories" },
  { method: 'GET', path: '/v1/webhooks', handler: 'functions/webhooks/list-webhooks.ts', area: 'service', pool: 'staff', groups: INTEGRATORS, table: 'read', signing: true, summary: 'Webhook subscriptions (CRM sync)' },
  { method: 'POST', path: '/v1/webhooks', handler: 'functions/webhooks/create-webhook.ts', area: 'service', pool: 'staff', groups: INTEGRATORS, table: 'write', webhooks: true, summary: 'Subscribe a URL to company, contact and contract events; the signing secret is shown once' },
  { method: 'GET', path: '/v1/webhooks/{id}', handler: 'functions/webhooks/get-webhook.ts', area: 'service', pool: 'staff', groups: INTEGRATORS, table: 'read', summary: 'Get a webhook subscription' },
  { method: 'PATCH', path: '/v1/webhooks/{id}', handler: 'functions/webhooks/update-webhook.ts', area: 'service', pool: 'staff', groups: INTEGRATORS, table: 'write', summary: 'Change, pause or resume a webhook subscription' },
  { method: 'DELETE', path: '/v1/webhooks/{id}', handler: 'functions/webhooks/delete-webhook.ts', area: 'service', pool: 'staff', groups: INTEGRATORS, table: 'write', summary: 'Delete a webhook subscription' },
  { method: 'GET', path: '/v1/webhooks/{id}/deliveries', handler: 'functions/webhooks/list-deliveries.ts', area: 'service', pool: 'staff', groups: INTEGRATORS, table: 'read', signing: true, summary: "A webhook's deliveries, newest first, with every attempt" },
  { method: 'GET', path: '/v1/integration-keys', handler: 'functions/integration-keys/list-integration-keys.ts', area: 'service', pool: 'staff', groups: INTEGRATORS, table: 'read', signing: true, summary: 'Integration keys (never their secrets): what tools like an RMM post signals with' },
  { method: 'POST', path: '/v1/integration-keys', handler: 'functions/integration-keys/create-integration-key.ts', area: 'service', pool: 'staff', groups: INTEGRATORS, table: 'write', summary: 'Create an integration key for a tool; the key is shown once' },
  { method: 'DELETE', path: '/v1/integration-keys/{id}', handler: 'functions/integration-keys/revoke-integration-key.ts', area: 'service', pool: 'staff', groups: INTEGRATORS, table: 'write', summary: 'Revoke an integration key at once' },

  // Installer tokens and devices (API.md v1.1): a device agent registers its device into the token's company
  { method: 'GET', path: '/v1/companies/{id}/installer-tokens', handler: 'functions/installer-tokens/list-installer-tokens.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'read', signing: true, summary: "A company's installer tokens (never the tokens themselves)" },
  { method: 'POST', path: '/v1/companies/{id}/installer-tokens', handler: 'functions/installer-tokens/create-installer-token.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Create an installer token for a company; the token is shown once' },
  { method: 'DELETE', path: '/v1/installer-tokens/{id}', handler: 'functions/installer-tokens/revoke-installer-token.ts', area: 'companies', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Revoke an installer token at once' },
  { method: 'POST', path: '/v1/public/devices/register', handler: 'functions/installer-tokens/register-device.ts', pool: 'public', table: 'write', summary: "Register a device with an installer token: creates or updates (by serial number) the company's asset" },

  // CRM sync, inbound (API.md v1.1): the outside system's upsert by its own id; it wins a conflict
  { method: 'PUT', path: '/v1/external/{system}/companies/{externalId}', handler: 'functions/companies/upsert-external-company.ts', area: 'companies', pool: 'staff', groups: INTEGRATORS, table: 'write', staffDirectory: true, summary: "Create or update a company by an outside system's id (a CRM's); the outside system wins a conflict" },
  { method: 'PUT', path: '/v1/external/{system}/contacts/{externalId}', handler: 'functions/contacts/upsert-external-contact.ts', area: 'contacts', pool: 'staff', groups: INTEGRATORS, table: 'write', portalUsers: true, summary: "Create or update a contact by an outside system's id (a CRM's); the outside system wins a conflict" },

  // Client portal
  { method: 'POST', path: '/v1/public/portal/setup', handler: 'functions/portal/complete-setup.ts', pool: 'public', table: 'write', portalUsers: true, summary: 'Set a portal password with an emailed set-up or reset token' },
  { method: 'POST', path: '/v1/public/portal/password-reset', handler: 'functions/portal/request-password-reset.ts', pool: 'public', table: 'write', queues: ['portal-requests'], summary: 'Ask for a portal password-reset email (always 202)' },
  { method: 'GET', path: '/v1/portal/me', handler: 'functions/portal/get-me.ts', area: 'portal', pool: 'portal', table: 'read', summary: 'The signed-in contact and its company' },
  { method: 'GET', path: '/v1/portal/tickets', handler: 'functions/portal/list-portal-tickets.ts', area: 'portal', pool: 'portal', table: 'read', signing: true, summary: "The company's tickets, newest first" },
  { method: 'POST', path: '/v1/portal/tickets', handler: 'functions/portal/create-portal-ticket.ts', area: 'portal', pool: 'portal', table: 'write', summary: 'Open a ticket for the company, raised by the signed-in contact' },
  { method: 'GET', path: '/v1/portal/tickets/{id}', handler: 'functions/portal/get-portal-ticket.ts', area: 'portal', pool: 'portal', table: 'read', summary: 'A ticket of the company, with its public comments' },
  { method: 'POST', path: '/v1/portal/tickets/{id}/comments', handler: 'functions/portal/add-portal-comment.ts', area: 'portal', pool: 'portal', table: 'write', summary: 'Comment on a ticket of the company' },
  { method: 'GET', path: '/v1/portal/invoices', handler: 'functions/portal/list-portal-invoices.ts', area: 'portal', pool: 'portal', table: 'read', signing: true, summary: "The company's invoices with their balances" },

  // API description
  { method: 'GET', path: '/v1/openapi.json', handler: 'functions/openapi/get-openapi.ts', pool: 'public', table: 'none', summary: 'The OpenAPI 3.1 document' },
  { method: 'GET', path: '/docs', handler: 'functions/openapi/get-docs.ts', pool: 'public', table: 'none', summary: 'API reference (Swagger UI)' },
  { method: 'GET', path: '/docs/{asset}', handler: 'functions/openapi/get-docs.ts', pool: 'public', table: 'none', summary: 'API reference assets' },
] as const satisfies readonly RouteDef[];

export type Route = (typeof routes)[number];
export type RouteKey = `${Route['method']} ${Route['path']}`;

/** API Gateway's route key, as it appears in `event.routeKey`. */
export const routeKeyOf = (r: Pick<RouteDef, 'method' | 'path'>): string => `${r.method} ${r.path}`;

const byKey = new Map<string, RouteDef>(routes.map((r) => [routeKeyOf(r), r]));
export const findRoute = (routeKey: string): RouteDef | undefined => byKey.get(routeKey);

/**
 * The catch-all (`$default`) function: answers 404 for an unknown path and 405 for a known
 * path with another method, in problem+json, on AWS and locally alike.
 */
export const fallbackRoute = { handler: 'functions/fallback/not-found.ts', summary: 'Unknown route' } as const;

/** An area's function entry: its dispatcher. */
export const areaEntry = (area: Area): string => `functions/${area}/api.ts`;

/** The entry of the function that serves a route: its area's dispatcher, or its own module. */
export const functionEntryOf = (r: Pick<RouteDef, 'area' | 'handler'>): string => (r.area ? areaEntry(r.area) : r.handler);

/** One Lambda function of the API and the routes it serves; its settings are the largest its routes ask for. */
export interface ApiFunction {
  entry: string;
  area?: Area;
  routes: readonly RouteDef[];
  timeoutSeconds: number;
  memoryMb: number;
}

const apiFunctionList: ApiFunction[] = [...new Set((routes as readonly RouteDef[]).map(functionEntryOf))].map((entry) => {
  const served = (routes as readonly RouteDef[]).filter((r) => functionEntryOf(r) === entry);
  return {
    entry,
    area: served[0]!.area,
    routes: served,
    timeoutSeconds: Math.max(routeFunctionDefaults.timeoutSeconds, ...served.map((r) => r.timeoutSeconds ?? 0)),
    memoryMb: Math.max(routeFunctionDefaults.memoryMb, ...served.map((r) => r.memoryMb ?? 0)),
  };
});

/** The API's functions (not the `$default` fallback), in route-table order. */
export const apiFunctions = (): readonly ApiFunction[] => apiFunctionList;

/** The function that serves a route. */
export const apiFunctionOf = (r: Pick<RouteDef, 'area' | 'handler'>): ApiFunction => apiFunctionList.find((f) => f.entry === functionEntryOf(r))!;

/** Entries of the API's functions, one Lambda function each: the areas' dispatchers, the routes' own modules, the fallback. */
export const handlerEntries = (): string[] => [...apiFunctionList.map((f) => f.entry), fallbackRoute.handler];
