/**
 * Every key value of the single table is built here, and nowhere else. Prefixes are upper-case
 * entity names; `docs/data-model.md` lists the access pattern each one serves.
 */
import type { CompanyStatus } from '../companies/company.schema';

/** Case-, width- and spacing-insensitive form of a name, for uniqueness and prefix search. */
export const normalizeName = (name: string): string => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * Buckets of a bucketed list partition: an item lists under `<partition>#<n>`, n = a stable hash
 * of its id mod `LIST_BUCKETS`, so no single index partition takes every insert of a bulk job
 * (docs/data-model.md, "Partitions at scale"). A listing reads all buckets and merges them
 * (shared/db/index-read.ts).
 */
export const LIST_BUCKETS = 10;

/** FNV-1a (32 bits) of the id, mod the bucket count: the same id always lands in the same bucket. */
export const listBucket = (id: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % LIST_BUCKETS;
};
const bucketed = (partition: string, id: string) => `${partition}#${listBucket(id)}`;
/** Every bucket of a bucketed list partition, for a listing to read. */
const bucketsOf = (partition: string) => Array.from({ length: LIST_BUCKETS }, (_, n) => `${partition}#${n}`);

const ALL_CONTACTS = 'CONTACTS';
const contactListPartition = (companyId: string | null) => (companyId ? `COMPANY#${companyId}#CONTACTS` : 'NOCOMPANY#CONTACTS');
/** A search token's bucket: its first character (a whole code point), so a one-letter `q` is still one partition. */
const searchBucket = (token: string) => [...token][0] ?? '';
const contactSearchScope = (companyId: string | null, token: string) => `${companyId ? `COMPANY#${companyId}` : 'NOCOMPANY'}#CONTACTSEARCH#${searchBucket(token)}`;
const recordsByCompany = (prefix: string, companyId: string | null) => (companyId ? `COMPANY#${companyId}#${prefix}S` : `NOCOMPANY#${prefix}S`);
const contractsOfCompany = (companyId: string) => `COMPANY#${companyId}#CONTRACTS`;
const recordsByContact = (prefix: string, contactId: string) => `CONTACT#${contactId}#${prefix}S`;

export const keys = {
  company: (id: string) => ({ pk: `COMPANY#${id}`, sk: 'COMPANY' }),
  /** Companies by status, sorted by lower-cased name (GSI1), in `LIST_BUCKETS` buckets by id. */
  companyList: (status: CompanyStatus, c: { id: string; name: string }) => ({ gsi1pk: bucketed(`COMPANIES#${status}`, c.id), gsi1sk: normalizeName(c.name) }),
  companyListPartitions: (status: CompanyStatus) => bucketsOf(`COMPANIES#${status}`),
  companyListBucket: (status: CompanyStatus, companyId: string) => bucketed(`COMPANIES#${status}`, companyId),
  /** Uniqueness guard: one item per company name, written in the same transaction as the company. */
  companyName: (name: string) => ({ pk: `COMPANYNAME#${normalizeName(name)}`, sk: 'COMPANYNAME' }),
  /** A company's addresses live in its partition, so one Query reads them with the company item. */
  address: (companyId: string, addressId: string) => ({ pk: `COMPANY#${companyId}`, sk: `ADDRESS#${addressId}` }),
  addressPrefix: 'ADDRESS#',
  /** Which address is the company's billing address: one pointer item, so "at most one" holds under concurrency. */
  billingAddress: (companyId: string) => ({ pk: `COMPANY#${companyId}`, sk: 'BILLINGADDRESS' }),
  /** A contact; `email` uniqueness is its guard item below. */
  contact: (id: string) => ({ pk: `CONTACT#${id}`, sk: 'CONTACT' }),
  contactEmail: (email: string) => ({ pk: `CONTACTEMAIL#${email.trim().toLowerCase()}`, sk: 'CONTACTEMAIL' }),
  /**
   * Contacts of a company (or with none) by last name, then first name (GSI1); all contacts by
   * name (GSI2). Both in `LIST_BUCKETS` buckets by contact id.
   */
  contactLists: (c: { id: string; companyId: string | null; lastName: string; firstName: string }) => {
    const sortKey = `${normalizeName(c.lastName)}#${normalizeName(c.firstName)}#${c.id}`;
    return { gsi1pk: bucketed(contactListPartition(c.companyId), c.id), gsi1sk: sortKey, gsi2pk: bucketed(ALL_CONTACTS, c.id), gsi2sk: sortKey };
  },
  allContactsPartitions: () => bucketsOf(ALL_CONTACTS),
  /** The buckets of a company's (or the unassigned) contact list; `contactListBucket` is one contact's. */
  contactListPartitions: (companyId: string | null) => bucketsOf(contactListPartition(companyId)),
  contactListBucket: (companyId: string | null, contactId: string) => bucketed(contactListPartition(companyId), contactId),
  /**
   * One search token of a contact (shared/contacts/contact-search.ts): all contacts in
   * `CONTACTSEARCH#<first character>`, and on GSI1 the contact's company
   * (`COMPANY#<id>#CONTACTSEARCH#<first character>`) or the unassigned ones (`NOCOMPANY#CONTACTSEARCH#<first character>`).
   */
  contactSearch: (token: string, contactId: string, companyId: string | null) => ({
    pk: `CONTACTSEARCH#${searchBucket(token)}`,
    sk: `${token}#${contactId}`,
    gsi1pk: contactSearchScope(companyId, token),
    gsi1sk: `${token}#${contactId}`,
  }),
  contactSearchPartition: (q: string) => `CONTACTSEARCH#${searchBucket(q)}`,
  contactSearchScope: (companyId: string | null, q: string) => contactSearchScope(companyId, q),
  /**
   * Related records (tickets, assets, invoices): `TICKET#<id>`; by company on GSI1 (in
   * `LIST_BUCKETS` buckets by record id: a device sync inserts a company's assets at ~1,700/s),
   * by contact on GSI2 (sparse, one partition).
   */
  record: (prefix: string, id: string) => ({ pk: `${prefix}#${id}`, sk: prefix }),
  recordLists: (prefix: string, r: { id: string; companyId: string | null; contactId?: string | null }) => ({
    gsi1pk: bucketed(recordsByCompany(prefix, r.companyId), r.id),
    gsi1sk: r.id,
    ...(r.contactId ? { gsi2pk: recordsByContact(prefix, r.contactId), gsi2sk: r.id } : {}),
  }),
  /**
   * The list partitions as they were before buckets, and the bucket an item moves to: only the
   * one-off bucket backfill (shared/db/list-bucket-backfill.ts) reads them.
   */
  unbucketed: {
    companies: (status: CompanyStatus) => `COMPANIES#${status}`,
    allContacts: ALL_CONTACTS,
    contacts: (companyId: string | null) => contactListPartition(companyId),
    records: (prefix: string, companyId: string | null) => recordsByCompany(prefix, companyId),
    bucketOf: (partition: string, id: string) => bucketed(partition, id),
  },
  recordsByCompanyPartitions: (prefix: string, companyId: string | null) => bucketsOf(recordsByCompany(prefix, companyId)),
  recordsByCompanyBucket: (prefix: string, companyId: string | null, recordId: string) => bucketed(recordsByCompany(prefix, companyId), recordId),
  recordsByContact: (prefix: string, contactId: string) => recordsByContact(prefix, contactId),
  /**
   * A contract (shared/contracts): `CONTRACT#<id>`. Listed by company on GSI1 (one partition
   * per company, by id: a company has a handful), and by status on GSI2 in `LIST_BUCKETS`
   * buckets by id. An active contract's GSI2 sort key is its end date (`OPEN` when it has none,
   * which sorts after every date), so the renewal dashboard reads a date range of the active
   * buckets, and never a contract of another status.
   */
  contract: (id: string) => ({ pk: `CONTRACT#${id}`, sk: 'CONTRACT' }),
  contractLists: (c: { id: string; companyId: string; status: string; endDate: string | null }) => ({
    gsi1pk: contractsOfCompany(c.companyId),
    gsi1sk: c.id,
    gsi2pk: bucketed(`CONTRACTS#${c.status}`, c.id),
    gsi2sk: c.status === 'active' ? `${c.endDate ?? 'OPEN'}#${c.id}` : c.id,
  }),
  contractsOfCompany: (companyId: string) => contractsOfCompany(companyId),
  contractStatusPartitions: (status: string) => bucketsOf(`CONTRACTS#${status}`),
  /** GSI2 sort keys of active contracts ending from `from` through `to` (dates, both included). */
  contractEndRange: (from: string, to: string): [string, string] => [`${from}#`, `${to}#~`],
  /** A billing run: its request, status and counters (shared/billing-runs). */
  billingRun: (id: string) => ({ pk: `BILLINGRUN#${id}`, sk: 'BILLINGRUN' }),
  /** The scheduled run of one day (MSP's date): one per day however often the schedule's message arrives. */
  scheduledBillingRun: (date: string) => ({ pk: `BILLINGRUNDAY#${date}`, sk: 'BILLINGRUNDAY' }),
  /**
   * "One invoice per contract and period": written in the invoice's transaction, conditional on
   * its absence. In the company's partition, so a permanent delete's clean-up takes it.
   */
  billedPeriod: (companyId: string, contractId: string, eventKey: string) => ({ pk: `COMPANY#${companyId}`, sk: `BILLED#${contractId}#${eventKey}` }),
  /** A portal set-up or reset token, stored only as its SHA-256 (TTL). */
  portalToken: (tokenHash: string) => ({ pk: `PORTALTOKEN#${tokenHash}`, sk: 'PORTALTOKEN' }),
  /** A portal-pool user (by its immutable Cognito `sub`) → the contact it is; written only by the server, one contact per sub. */
  portalUser: (sub: string) => ({ pk: `PORTALUSER#${sub}`, sk: 'PORTALUSER' }),
  /** Public password-reset mails sent to one address (by a hash of it) in one hour (TTL). */
  portalResetCount: (emailHash: string, hour: number) => ({ pk: `PORTALRESET#${emailHash}#${hour}`, sk: 'PORTALRESET' }),
  /** A company's compliance organization (minimal: its status gates the permanent delete). */
  complianceOrganization: (companyId: string) => ({ pk: `COMPANY#${companyId}`, sk: 'COMPLIANCEORG' }),
  /** Per-customer SLA policies (the SLA module adds them); listed by company for the permanent delete. */
  slaPoliciesByCompany: (companyId: string) => `COMPANY#${companyId}#SLAPOLICIES`,
  /** An SLA policy (MSP-wide, shared/sla), listed in creation order on GSI1: an MSP has tens, not thousands. */
  slaPolicy: (id: string) => ({ pk: `SLAPOLICY#${id}`, sk: 'SLAPOLICY' }),
  slaPolicyList: (id: string) => ({ gsi1pk: 'SLAPOLICIES', gsi1sk: id }),
  slaPolicyListPartition: 'SLAPOLICIES',
  /** Which policy is the default: one pointer item, so "exactly one default" holds under concurrency. */
  slaDefault: () => ({ pk: 'SLAPOLICY#DEFAULT', sk: 'SLADEFAULT' }),
  /**
   * An open ticket with an SLA clock still to watch, on GSI3 (sparse): by state (`OK`, or
   * `BREACHED` once a target was missed) in `LIST_BUCKETS` buckets, sorted by the next due time
   * nobody has flagged yet (`~` when none is left). The breach check reads only what is overdue
   * and unflagged; `GET /v1/tickets?slaBreached=&dueBefore=` reads the same entries.
   */
  ticketSlaWatch: (state: 'OK' | 'BREACHED', ticketId: string, watchAt: string) => ({ gsi3pk: bucketed(`TICKETSLA#${state}`, ticketId), gsi3sk: `${watchAt}#${ticketId}` }),
  ticketSlaPartitions: (state: 'OK' | 'BREACHED') => bucketsOf(`TICKETSLA#${state}`),
  /**
   * One recipient of one event (shared/notifications): written in the transaction that queues
   * its mail (or records its skip), conditional on its absence, so an event never mails a
   * contact twice. In the company's partition, newest last by the event's time.
   */
  notification: (companyId: string, occurredAt: string, eventId: string, contactId: string) => ({ pk: `COMPANY#${companyId}`, sk: `NOTIFICATION#${occurredAt}#${eventId}#${contactId}` }),
  notificationPrefix: 'NOTIFICATION#',
  /** The latest signal of one kind (backups, endpoints, security) an RMM, EDR or backup tool posted for a company (shared/health). */
  healthSignal: (companyId: string, kind: string) => ({ pk: `COMPANY#${companyId}`, sk: `SIGNAL#${kind}` }),
  /** A company's health score of one day (UTC), kept for its trend; the day's last computation wins. */
  healthSnapshot: (companyId: string, date: string) => ({ pk: `COMPANY#${companyId}`, sk: `HEALTH#${date}` }),
  healthSnapshotPrefix: 'HEALTH#',
  /** An SES bounce or complaint counted (by SES's message id and the counter), so a redelivered event counts once (TTL). */
  mailEvent: (sesMessageId: string, counter: string) => ({ pk: `MAILEVENT#${sesMessageId}#${counter}`, sk: 'MAILEVENT' }),
  /** A company's engagement in one month (UTC `YYYY-MM`): portal logins (shared/health/engagement.ts), mails sent, bounced and complained about (shared/health/communications.ts). */
  engagement: (companyId: string, month: string) => ({ pk: `COMPANY#${companyId}`, sk: `ENGAGEMENT#${month}` }),
  /** A webhook subscription (shared/webhooks), MSP-wide, listed in creation order on GSI1: an MSP has a handful. */
  webhook: (id: string) => ({ pk: `WEBHOOK#${id}`, sk: 'WEBHOOK' }),
  webhookList: (id: string) => ({ gsi1pk: 'WEBHOOKS', gsi1sk: id }),
  webhookListPartition: 'WEBHOOKS',
  /**
   * One event's delivery to one webhook, in the webhook's partition, newest last by the event's
   * time-ordered id (`msg_<ULID>`, the `webhook-id` every attempt carries); 30-day TTL.
   */
  webhookDelivery: (webhookId: string, eventId: string) => ({ pk: `WEBHOOK#${webhookId}`, sk: `DELIVERY#${eventId}` }),
  webhookDeliveryPrefix: 'DELIVERY#',
  /**
   * A delivery still pending, on GSI2 by when it is due: its next attempt, or (while an attempt
   * is queued) when that attempt must have been made. Sparse: removed once it succeeds or gives
   * up, so the retry schedule reads only what is due. Bucketed: a failing receiver's backlog
   * spreads over `LIST_BUCKETS` partitions.
   */
  webhookDue: (dueAt: string, webhookId: string, eventId: string) => ({ gsi2pk: bucketed('WEBHOOKS#DUE', eventId), gsi2sk: `${dueAt}#${webhookId}#${eventId}` }),
  webhookDuePartitions: () => bucketsOf('WEBHOOKS#DUE'),
  /** An integration key (shared/integration-keys): what a tool posts signals with; listed in creation order on GSI1. */
  integrationKey: (id: string) => ({ pk: `INTEGRATIONKEY#${id}`, sk: 'INTEGRATIONKEY' }),
  integrationKeyList: (id: string) => ({ gsi1pk: 'INTEGRATIONKEYS', gsi1sk: id }),
  integrationKeyListPartition: 'INTEGRATIONKEYS',
  /** An installer token (shared/installer-tokens): what a device agent registers its device with; listed by company in creation order on GSI1. */
  installerToken: (id: string) => ({ pk: `INSTALLERTOKEN#${id}`, sk: 'INSTALLERTOKEN' }),
  installerTokenList: (companyId: string, id: string) => ({ gsi1pk: `COMPANY#${companyId}#INSTALLERTOKENS`, gsi1sk: id }),
  installerTokensOfCompany: (companyId: string) => `COMPANY#${companyId}#INSTALLERTOKENS`,
  /** The company's asset with this serial number (normalized), as device registration made it: one asset per serial, in the company's partition. */
  assetSerial: (companyId: string, normalizedSerial: string) => ({ pk: `COMPANY#${companyId}`, sk: `ASSETSERIAL#${normalizedSerial}` }),
  /** The MSP-wide defaults (`/v1/settings`). */
  mspSettings: () => ({ pk: 'SETTINGS#MSP', sk: 'SETTINGS' }),
  /** A background job and its progress. */
  job: (id: string) => ({ pk: `JOB#${id}`, sk: 'JOB' }),
  /**
   * An unfinished long job (import, sync, clean-up) on GSI2, sorted by when it is due: when its
   * lease lapses, or by when a queued or handed-over job must have been picked up. Sparse: the
   * attributes go when the job ends, so the sweeper's Query reads only overdue unfinished jobs.
   */
  jobDue: (dueAt: string, kind: string, id: string) => ({ gsi2pk: 'JOBS#DUE', gsi2sk: `${dueAt}#${kind}#${id}` }),
  jobDuePartition: 'JOBS#DUE',
  /** An import job, its uploaded file (in chunks) and its row errors, in one partition. */
  importJob: (id: string) => ({ pk: `IMPORT#${id}`, sk: 'IMPORT' }),
  importChunk: (id: string, n: number) => ({ pk: `IMPORT#${id}`, sk: `CHUNK#${String(n).padStart(4, '0')}` }),
  /**
   * What every row-error item's sort key starts with, in row order: a group's `IMPORTERRORS#<first row>`,
   * and the one-row `IMPORTERROR#<row>` items imports wrote before issue 15 (read until their 30-day TTL).
   */
  importErrorPrefix: 'IMPORTERROR',
  /** The failed rows of one group (or a part of them, when they fill more than an item holds), keyed by its first failed row. */
  importErrors: (id: string, firstRow: number) => ({ pk: `IMPORT#${id}`, sk: `IMPORTERRORS#${String(firstRow).padStart(8, '0')}` }),
  /** An import's CSV header (up to 64 KB), for errors.csv: kept off the job item, which every group's counters update. */
  importHeader: (id: string) => ({ pk: `IMPORT#${id}`, sk: 'HEADER' }),
  importPartition: (id: string) => `IMPORT#${id}`,
  /** A committed range of rows of an import (from its first row). */
  importDone: (id: string, firstRow: number) => ({ pk: `IMPORT#${id}`, sk: `DONE#${String(firstRow).padStart(8, '0')}` }),
  /** Microsoft 365: a tenant links to one company (guard); the company's sync state (delta links, running job). */
  m365Tenant: (tenantId: string) => ({ pk: `M365TENANT#${tenantId}`, sk: 'M365TENANT' }),
  m365State: (companyId: string) => ({ pk: `COMPANY#${companyId}`, sk: 'M365STATE' }),
  /** An Entra object (user or device) of a tenant → the contact or asset it became. */
  m365Link: (kind: 'USER' | 'DEVICE', tenantId: string, objectId: string) => ({ pk: `M365${kind}#${tenantId}#${objectId}`, sk: 'M365LINK' }),
  syncJob: (id: string) => ({ pk: `SYNCJOB#${id}`, sk: 'SYNCJOB' }),
  /**
   * A record of an outside system (a CRM, by its slug) → the company or contact it is here
   * (`recordId`; shared/crm): one per system, kind and external id, so an upsert finds its record
   * and two concurrent creates of one external id make one record. The record names its links in
   * `externalIds`, so its delete removes them.
   */
  externalLink: (system: string, kind: 'COMPANY' | 'CONTACT', externalId: string) => ({ pk: `EXTERNAL#${system}#${kind}#${externalId}`, sk: 'EXTERNALLINK' }),
  /**
   * Errors a sync job keeps (its first 100 in all), one item per write that kept some, numbered by
   * how many the job had kept before it; under the job's own sort key, so one Query
   * (`begins_with(sk, 'SYNCJOB')`) reads the job with them and not its `SEEN#` pages.
   */
  syncJobErrors: (jobId: string, keptBefore: number) => ({ pk: `SYNCJOB#${jobId}`, sk: `SYNCJOB#ERRORS#${String(keptBefore).padStart(4, '0')}` }),
  /** During a full sync: the user ids seen, one item per page, so users gone from the tenant can be found at the end. */
  syncSeen: (jobId: string, page: number) => ({ pk: `SYNCJOB#${jobId}`, sk: `SEEN#${String(page).padStart(6, '0')}` }),
  /** A consumed OAuth `state` nonce (single use; TTL). */
  /** A one-off data migration (a backfill) that has completed: it is not walked again. */
  migration: (name: string) => ({ pk: `MIGRATION#${name}`, sk: 'MIGRATION' }),

  oauthNonce: (nonce: string) => ({ pk: `OAUTHSTATE#${nonce}`, sk: 'OAUTHSTATE' }),
  /** Audit entries of one company, oldest to newest by ULID; kept after the company is deleted. */
  auditPartition: (companyId: string) => `AUDIT#COMPANY#${companyId}`,
  audit: (companyId: string, entryId: string) => ({ pk: `AUDIT#COMPANY#${companyId}`, sk: `AUDIT#${entryId}` }),
  /** A creating request's recorded outcome, for Idempotency-Key replays (24 h TTL). */
  idempotency: (scope: string) => ({ pk: `IDEMPOTENCY#${scope}`, sk: 'IDEMPOTENCY' }),
  /** Work that follows a commit, written in the commit's transaction and queued by the outbox relay from the table's stream (TTL). */
  outbox: (id: string) => ({ pk: `OUTBOX#${id}`, sk: 'OUTBOX' }),
  /** Delivery record of one outgoing email, so a redelivered queue message sends it once (TTL). */
  mail: (mailId: string) => ({ pk: `MAIL#${mailId}`, sk: 'MAIL' }),
  /** The QuickBooks Online connection (one per installation): realm and encrypted tokens, versioned for atomic rotation. */
  quickBooksConnection: () => ({ pk: 'INTEGRATION#QUICKBOOKS', sk: 'CONNECTION' }),
  /** Which company a QuickBooks customer is linked to: one company per customer. */
  quickBooksCustomer: (realmId: string, customerId: string) => ({ pk: `QBCUSTOMER#${realmId}#${customerId}`, sk: 'QBCUSTOMER' }),
  /**
   * A time entry (shared/time-entries): by company on GSI1 (in `LIST_BUCKETS` buckets, like the
   * related records: the permanent delete finds them there), by ticket on GSI2, by date.
   */
  timeEntry: (id: string) => ({ pk: `TIMEENTRY#${id}`, sk: 'TIMEENTRY' }),
  timeEntryLists: (e: { id: string; companyId: string; ticketId: string; date: string }) => ({
    gsi1pk: bucketed(recordsByCompany('TIMEENTRY', e.companyId), e.id),
    gsi1sk: e.id,
    gsi2pk: `TICKET#${e.ticketId}#TIMEENTRIES`,
    gsi2sk: `${e.date}#${e.id}`,
  }),
  timeEntriesByCompanyPartitions: (companyId: string) => bucketsOf(recordsByCompany('TIMEENTRY', companyId)),
  timeEntriesByTicket: (ticketId: string) => `TICKET#${ticketId}#TIMEENTRIES`,
  /**
   * A contract's billable time, in its company's partition (so the permanent delete's clean-up of
   * that partition takes it): minutes per day of work (`…#DAY#<date>`, the usage route sums a
   * period's days), and per month of work the billable entries not yet invoiced
   * (`…#UNBILLED#<YYYY-MM>`, one attribute per entry): what a billing run bills, read
   * consistently, and rewritten in the invoice's transaction whatever the number of entries.
   */
  contractTimeDay: (companyId: string, contractId: string, date: string) => ({ pk: `COMPANY#${companyId}`, sk: `CONTRACTTIME#${contractId}#DAY#${date}` }),
  contractTimeDayPrefix: (contractId: string) => `CONTRACTTIME#${contractId}#DAY#`,
  unbilledTime: (companyId: string, contractId: string, month: string) => ({ pk: `COMPANY#${companyId}`, sk: `CONTRACTTIME#${contractId}#UNBILLED#${month}` }),
  unbilledTimePrefix: (contractId: string) => `CONTRACTTIME#${contractId}#UNBILLED#`,
  /** A ticket's comment, in the ticket's partition, so one Query reads a ticket with its comments. */
  ticketComment: (ticketId: string, commentId: string) => ({ pk: `TICKET#${ticketId}`, sk: `COMMENT#${commentId}` }),
  ticketCommentPrefix: 'COMMENT#',
  ticketPartition: (ticketId: string) => `TICKET#${ticketId}`,
} as const;
