/**
 * Contact rules: unique emails (a guard item), at most one company, the company's `contacts`
 * and `activeContacts` counters (contact-counts.ts) and primary contact kept right in the same
 * transaction as every create, move, status change and delete; deleting keeps the contact's
 * tickets and assets, unlinked from it.
 */
import { ulid } from 'ulid';
import { appendAudit } from '../audit/audit.repository';
import { COMPANY_CONTACT_ROLES } from '../companies/company.fields';
import { companyArchived, companyReference, getCompany } from '../companies/company.repository';
import { retryPolicies } from '../db/retry';
import { transact, type TxItem } from '../db/transact';
import type { Caller } from '../http/caller';
import { versionBase } from '../http/concurrency';
import { NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { retryOnStaleRead } from '../db/optimistic';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import { portalUsers } from '../portal/portal-users';
import { contactDelta, counted } from './contact-counts';
import { unlinkContactRecords } from '../records/record.service';
import {
  deleteContactItem,
  getContact,
  listContacts,
  putNewContact,
  toContact,
  updateContactItem,
  type ContactListing,
  type ContactRecord,
} from './contact.repository';
import { CONTACT_FIELDS, type Contact, type ContactSource, type ContactStatus, type CreateContactInput, type UpdateContactInput } from './contact.schema';

export const contactLocation = (id: string) => `/v1/contacts/${id}`;

export const newContact = (input: Omit<CreateContactInput, 'sendInvite'>, now: string, source: ContactSource = 'manual', externalId: string | null = null): ContactRecord => ({
  id: ulid(),
  companyId: input.companyId ?? null,
  firstName: input.firstName,
  lastName: input.lastName,
  email: input.email,
  phone: input.phone ?? null,
  title: input.title ?? null,
  status: 'active',
  portal: { status: 'none', invitedAt: null, activatedAt: null },
  counts: { tickets: 0, assets: 0 },
  source,
  externalId,
  externalIds: {},
  version: 1,
  createdAt: now,
  updatedAt: now,
  activeCounted: true,
  portalCounted: true,
});

/** The transaction items that create `contact`: the item, its email guard, its company's counters (active company only). */
export const createContactItems = (contact: ContactRecord): TxItem[] => [
  ...putNewContact(contact),
  ...(contact.companyId ? [companyReference(contact.companyId, contactDelta(contact.companyId, undefined, contact), { into: true })] : []),
];

export const createContact = async (input: CreateContactInput, idempotency?: IdempotencyContext): Promise<Contact> => {
  const contact = newContact(input, new Date().toISOString());
  const resource = toContact(contact);
  await transact([
    ...recordIdempotent(idempotency, { status: 201, body: resource, headers: { location: contactLocation(contact.id), etag: '"1"' } }),
    ...createContactItems(contact),
  ]);
  return resource;
};

export const findContact = async (id: string): Promise<ContactRecord> => {
  const contact = await getContact(id);
  if (!contact) throw new NotFoundError('contact');
  return contact;
};

export const searchContacts = (listing: ContactListing, filter: { status?: ContactStatus; q?: string }, limit: number, cursor?: string): Promise<Page<Contact>> =>
  listContacts(listing, filter, limit, cursor);

/**
 * The items that take a contact out of its company (`after`: where it goes; none when it is
 * deleted): the counters, and the company's primary and billing contact cleared (with an audit
 * entry) where it was this one when read; a race makes the write fail and the caller retry. An
 * archived company keeps its contacts (`409 COMPANY_ARCHIVED`): said here from the read,
 * enforced by the company item's condition in the write.
 */
const leaveCompany = async (caller: Pick<Caller, 'sub' | 'email'>, contact: ContactRecord, after: ContactRecord | undefined, now: string): Promise<TxItem[]> => {
  if (!contact.companyId) return [];
  const company = await getCompany(contact.companyId, true);
  if (!company) return [];
  if (company.status !== 'active') throw companyArchived();
  const held = COMPANY_CONTACT_ROLES.filter((role) => company[role] === contact.id);
  return [
    companyReference(company.id, contactDelta(company.id, contact, after), { into: false, leaving: { contactId: contact.id, clear: held }, now }),
    ...(held.length
      ? [appendAudit({ companyId: company.id, actor: caller, action: 'company.updated', changes: Object.fromEntries(held.map((role) => [role, { from: contact.id, to: null }])), at: now })]
      : []),
  ];
};

/** A change that keeps the contact in its company: the company must still be active when it commits; its counters follow a status change (or a first count). */
const stayInCompany = (before: ContactRecord, after: ContactRecord): TxItem[] =>
  before.companyId ? [companyReference(before.companyId, contactDelta(before.companyId, before, after), { into: false })] : [];

/**
 * PATCH: changed fields at the version it is based on (`If-Match`, or as read); a move changes
 * both companies' counters in the same transaction. A lost race for the old company's primary
 * contact is retried while the contact itself is unchanged; a race on the contact is 409 / 412.
 */
export const updateContact = async (caller: Caller, id: string, input: UpdateContactInput, ifMatch: number | '*' | undefined): Promise<Contact> => {
  const base = versionBase(ifMatch);
  const { before, after } = await retryOnStaleRead(async () => {
    const before = await getContact(id, true);
    if (!before) throw new NotFoundError('contact');
    base.check(before.version);
    const change = await changeContactItems(caller, before, input, new Date().toISOString());
    if (!change) return { before, after: before };
    await base.write(transact(change.items));
    return { before, after: change.after };
  });
  await followEmailChange(before, after);
  return toContact(after);
};

/**
 * The items of a change to `before` (read at its version): the fields of `input` that differ
 * (and, in `also.set`, attributes written with them, of which `also.compared` count as a
 * change), a move's counters on both companies, the company guards. Nothing differs: undefined.
 */
export const changeContactItems = async (
  caller: Pick<Caller, 'sub' | 'email'>,
  before: ContactRecord,
  input: UpdateContactInput,
  now: string,
  also: { set?: Partial<ContactRecord>; compared?: (keyof ContactRecord)[] } = {},
): Promise<{ after: ContactRecord; items: TxItem[] } | undefined> => {
  const set = also.set ?? {};
  const changed = [
    ...CONTACT_FIELDS.filter((f) => f in input && (input[f] ?? null) !== (before[f] ?? null)),
    ...(also.compared ?? []).filter((f) => JSON.stringify(set[f] ?? null) !== JSON.stringify(before[f] ?? null)),
  ];
  if (changed.length === 0) return undefined;
  const after: ContactRecord = counted({ ...before, ...input, ...set, version: before.version + 1, updatedAt: now });
  const moved = before.companyId !== after.companyId;
  return {
    after,
    items: [
      ...updateContactItem(before, after, [...new Set<string>([...changed, ...Object.keys(set)])]),
      ...(moved ? await leaveCompany(caller, before, after, now) : stayInCompany(before, after)),
      ...(moved && after.companyId ? [companyReference(after.companyId, contactDelta(after.companyId, before, after), { into: true })] : []),
    ],
  };
};

/** After a committed change of a contact's email: its portal user (a Cognito username) follows. */
export const followEmailChange = async (before: ContactRecord, after: ContactRecord): Promise<void> => {
  if (before.email !== after.email && before.portalUsername && after.email) await portalUsers().updateEmail(before.portalUsername, after.email);
};

/**
 * Unlinks the contact's records, then deletes it at the version it is based on, once nothing
 * counts against it. An archived company's contact is refused before anything is unlinked.
 */
export const deleteContact = async (caller: Caller, id: string, ifMatch: number | '*' | undefined): Promise<void> => {
  const base = versionBase(ifMatch);
  let username: string | null | undefined;
  await retryOnStaleRead(async () => {
    const contact = await getContact(id, true);
    if (!contact) throw new NotFoundError('contact');
    base.check(contact.version);
    const now = new Date().toISOString();
    const leaving = await leaveCompany(caller, contact, undefined, now);
    // Unlinking changes records (each under its own company's condition), not the contact's version.
    await unlinkContactRecords(id);
    await base.write(transact([...deleteContactItem(contact), ...leaving]));
    username = contact.portalUsername;
  }, retryPolicies.hotItem);
  if (username) await portalUsers().deleteUser(username);
};

/**
 * Activate or deactivate. Portal requests check the status on every call, so this takes effect
 * on the contact's next request; the portal user is also disabled and signed out everywhere.
 * The action sets one field to a value that depends on nothing else, so a race is retried.
 */
export const setContactStatus = async (id: string, status: ContactStatus): Promise<Contact> => {
  const contact = await retryOnStaleRead(async () => {
    const before = await getContact(id, true);
    if (!before) throw new NotFoundError('contact');
    if (before.status === status) return before;
    const after: ContactRecord = counted({ ...before, status, version: before.version + 1, updatedAt: new Date().toISOString() });
    try {
      await transact([...updateContactItem(before, after, ['status']), ...stayInCompany(before, after)]);
    } catch (err) {
      if (err instanceof PreconditionFailedError) throw new StaleReadError();
      throw err;
    }
    return after;
  });
  if (contact.portalUsername) {
    if (status === 'inactive') await portalUsers().disable(contact.portalUsername);
    else await portalUsers().enable(contact.portalUsername);
  }
  return toContact(contact);
};
