/**
 * Contact items: one function per access pattern; changes come back as transaction items so
 * the service writes them with the company counters and the email guard in one transaction.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { countAndGuard, type CountDeltas } from '../db/counters';
import { batchGet } from '../db/batch';
import { readIndexPage } from '../db/index-read';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { BadRequestError, concurrentChange, ConflictError, NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import { deleteExternalLinks, type SyncedFrom } from '../crm/external-link.repository';
import { CONTACT_MARKERS, contactDelta, counted } from './contact-counts';
import { foldForSearch, isFirstMatch, searchTokens, searchTokenWrites } from './contact-search';
import { CONTACT_RESOURCE_FIELDS } from './contact.fields';
import type { Contact, ContactStatus } from './contact.schema';

/** What the item holds beyond the API resource: the portal user and the live set-up token. */
export interface ContactRecord extends Contact {
  portalUsername?: string | null;
  /** The portal user's immutable Cognito `sub`; its `PORTALUSER#<sub>` item points back here. */
  portalSub?: string | null;
  portalTokenHash?: string | null;
  /** What Microsoft 365 said at the last sync (a sync writes only when this changes). */
  m365Mapped?: Record<string, unknown> | null;
  /** Its status is in its company's `counts.activeContacts` (contact-counts.ts); every write sets it. */
  activeCounted?: boolean;
  /** Its portal access is in its company's `counts.portalContacts` (contact-counts.ts). */
  portalCounted?: boolean;
  /** The outside system whose upsert made its current version (shared/crm/external-link.repository.ts). */
  syncedFrom?: SyncedFrom | null;
}

/** The API resource of a stored contact: only its documented fields (`externalIds` `{}` when it has none). */
export const toContact = (r: ContactRecord | Record<string, unknown>): Contact => {
  const c = Object.fromEntries(CONTACT_RESOURCE_FIELDS.map((f) => [f, (r as Record<string, unknown>)[f] ?? null])) as Contact;
  c.externalIds ??= {};
  return c;
};

const toItem = (c: ContactRecord) => ({ ...keys.contact(c.id), ...keys.contactLists(c), type: 'Contact', ...c });
const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, type: _t, ...rest }: Record<string, unknown>) => rest as unknown as ContactRecord;

/**
 * A write of a contact counts it (`counted`, contact-counts.ts): its counter deltas were worked
 * out from a contact that says so, so one that does not is a bug, refused before it is written.
 */
const assertCounted = (c: ContactRecord) => {
  const missing = CONTACT_MARKERS.find((m) => (c as unknown as Record<string, unknown>)[m] !== true);
  if (missing) throw new Error(`Contact ${c.id} is written without ${missing}: work its counter deltas out from counted(contact)`);
};

/**
 * The marker as read: the backfill may set it (and count the contact) between a read and the
 * write, and the write's counter deltas assumed what it read.
 */
export const markerAsRead = (c: ContactRecord) =>
  CONTACT_MARKERS.map((m) => `${(c as unknown as Record<string, unknown>)[m] === true ? 'attribute_exists' : 'attribute_not_exists'}(${m})`).join(' AND ');

/** The contact's condition failed: gone (404), another version (412), or the same version now counted by the backfill (read again). */
const contactChanged = (before: ContactRecord) => (old: Record<string, unknown> | undefined) =>
  !old ? new NotFoundError('contact') : Number(old.version) === before.version ? new StaleReadError() : new PreconditionFailedError(Number(old.version));

const emailTaken = (email: string) => () => new ConflictError('CONTACT_EMAIL_TAKEN', `A contact with the email ${email} already exists.`);

export const getContact = async (id: string, consistent = false): Promise<ContactRecord | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.contact(id), ConsistentRead: consistent }));
  return out.Item ? fromItem(out.Item) : undefined;
};

/** The contact holding an email, through its guard item (one GetItem). */
export const contactIdByEmail = async (email: string, consistent = false): Promise<string | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.contactEmail(email), ConsistentRead: consistent }));
  return out.Item?.contactId as string | undefined;
};

export type ContactListing = { by: 'company'; companyId: string } | { by: 'unassigned' } | { by: 'all' };

/**
 * Contacts by last name: a company's or the unassigned ones on GSI1, all on GSI2, each list in
 * `LIST_BUCKETS` buckets (one Query each, merged by name), then the page's contacts in one
 * BatchGetItem; `status` filters the page (as a FilterExpression would: after `limit` were read).
 * With `q`, the search index instead (`searchContacts`).
 */
export const listContacts = async (listing: ContactListing, filter: { status?: ContactStatus; q?: string }, limit: number, cursor?: string): Promise<Page<Contact>> => {
  const q = filter.q ? foldForSearch(filter.q) : '';
  if (q) return searchContacts(listing, { status: filter.status, q }, limit, cursor);
  const partitions = listing.by === 'all' ? keys.allContactsPartitions() : keys.contactListPartitions(listing.by === 'company' ? listing.companyId : null);
  const name = `contacts:${listing.by}:${listing.by === 'company' ? listing.companyId : ''}:${filter.status ?? ''}:`;
  const page = await readIndexPage({ index: listing.by === 'all' ? 'gsi2' : 'gsi1', partitions }, limit, await decodeCursor(name, cursor));
  const items = page.items.map(fromItem).filter((c) => !filter.status || c.status === filter.status);
  return { items: items.map(toContact), nextCursor: await encodeCursor(name, page.next) };
};

/**
 * Token items read per contact asked for: a contact matches on at most a few of its tokens
 * (first name and email often start alike), and each is read, so this many keep pages full.
 */
const READ_PER_ROW = 3;

/**
 * Prefix search, in token order: one Query of the token range `q` opens (all contacts: the
 * `CONTACTSEARCH#<first letter>` partition; a company's or the unassigned ones: GSI1, keys only),
 * then the page's contacts in one BatchGetItem. The token and the contact come from the sort key
 * (`<token>#<contactId>`). A contact is listed at its first matching token only: once per read
 * here, and `isFirstMatch` against the contact's own tokens for a match on an earlier page, so it
 * appears once in the whole listing; the cursor is the key of the last row listed, so a page
 * holds `limit` contacts whenever that many are left in what was read.
 */
const searchContacts = async (listing: ContactListing, filter: { status?: ContactStatus; q: string }, limit: number, cursor?: string): Promise<Page<Contact>> => {
  const { q } = filter;
  const scope = listing.by === 'company' ? listing.companyId : null;
  const onIndex = listing.by !== 'all';
  const name = `contacts-search:${listing.by}:${scope ?? ''}:${filter.status ?? ''}:${q}`;
  const out = await db().send(
    new QueryCommand({
      TableName: tableName(),
      ...(onIndex ? { IndexName: 'gsi1' } : {}),
      KeyConditionExpression: onIndex ? 'gsi1pk = :pk AND begins_with(gsi1sk, :q)' : 'pk = :pk AND begins_with(sk, :q)',
      // The token items carry the status; the index's keys do not, so there it is checked on the contact below.
      ...(filter.status && !onIndex ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: {
        ':pk': onIndex ? keys.contactSearchScope(scope, q) : keys.contactSearchPartition(q),
        ':q': q,
        ...(filter.status && !onIndex ? { ':status': filter.status } : {}),
      },
      Limit: limit * READ_PER_ROW,
      ExclusiveStartKey: await decodeCursor(name, cursor),
    }),
  );
  const read = out.Items ?? [];
  const seen = new Set<string>();
  const rows = read.flatMap((key, at) => {
    const sk = String(onIndex ? key.gsi1sk : key.sk);
    const hash = sk.lastIndexOf('#');
    const row = { at, token: sk.slice(0, hash), contactId: sk.slice(hash + 1) };
    // A contact's later tokens in the same read sort after its first match.
    if (seen.has(row.contactId)) return [];
    seen.add(row.contactId);
    return [row];
  });
  const page = rows.slice(0, limit);
  // Rows left unlisted in this read: resume just before the first of them (what lies between is listed contacts' later tokens); none left: where the read stopped.
  const unlisted = rows[limit];
  const resumeAt = unlisted ? rowKey(read[unlisted.at - 1]!, onIndex) : out.LastEvaluatedKey;
  const found = new Map((await batchGet(page.map((r) => keys.contact(r.contactId)))).map((c) => [String(c.id), fromItem(c)]));
  const items = page.flatMap((r) => {
    const c = found.get(r.contactId);
    // The index lags the contact (and a company's permanent delete moves the contacts before their tokens): a token it no longer has is dropped.
    if (!c || (filter.status && c.status !== filter.status) || (listing.by !== 'all' && c.companyId !== scope)) return [];
    const tokens = searchTokens(c);
    if (!tokens.includes(r.token) || !isFirstMatch({ token: r.token, contactId: c.id, tokens }, q)) return [];
    return [toContact(c)];
  });
  return { items, nextCursor: await encodeCursor(name, resumeAt) };
};

const rowKey = (row: Record<string, unknown>, onIndex: boolean) => ({
  pk: row.pk,
  sk: row.sk,
  ...(onIndex ? { gsi1pk: row.gsi1pk, gsi1sk: row.gsi1sk } : {}),
});

/**
 * The contact, its email guard (uniqueness in the database) and its search tokens; the service
 * adds the company's counter. Every path that creates a contact (API, import, sync) uses this.
 */
export const putNewContact = (c: ContactRecord): TxItem[] => {
  assertCounted(c);
  return [
    { item: { Put: { TableName: tableName(), Item: toItem(c), ConditionExpression: 'attribute_not_exists(pk)' } } },
    ...(c.email ? [emailGuard(c.email, c.id)] : []),
    ...searchTokenWrites(undefined, c),
  ];
};

const emailGuard = (email: string, contactId: string): TxItem => ({
  item: { Put: { TableName: tableName(), Item: { ...keys.contactEmail(email), type: 'ContactEmail', contactId }, ConditionExpression: 'attribute_not_exists(pk)' } },
  onConditionFailed: emailTaken(email),
});

const releaseEmail = (email: string, contactId: string): TxItem => ({
  item: { Delete: { TableName: tableName(), Key: keys.contactEmail(email), ConditionExpression: 'contactId = :id', ExpressionAttributeValues: { ':id': contactId } } },
});

/**
 * Version-checked update of the changed fields (and the list keys, email guard and search tokens
 * that follow them); it marks the contact counted (`after` must say so), on the condition that
 * the marker is still as `before` had it.
 */
export const updateContactItem = (before: ContactRecord, after: ContactRecord, changed: string[]): TxItem[] => {
  assertCounted(after);
  const set: Record<string, unknown> = Object.fromEntries(
    [...new Set([...changed, 'version', 'updatedAt', ...CONTACT_MARKERS])].map((f) => [f, (after as unknown as Record<string, unknown>)[f] ?? null]),
  );
  Object.assign(set, keys.contactLists(after));
  const items: TxItem[] = [
    {
      item: { Update: updateItem(keys.contact(before.id), { set }, { expression: `attribute_exists(pk) AND version = :expected AND ${markerAsRead(before)}`, values: { ':expected': before.version } }) },
      onConditionFailed: contactChanged(before),
    },
  ];
  if (before.email !== after.email) {
    if (before.email) items.push(releaseEmail(before.email, before.id));
    if (after.email) items.push(emailGuard(after.email, after.id));
  }
  items.push(...searchTokenWrites(before, after));
  return items;
};

/** Deletes the contact at the version (and counted marker) read, once nothing counts against it any more, with its guard, tokens and outside systems' links. */
export const deleteContactItem = (c: ContactRecord): TxItem[] => [
  {
    item: {
      Delete: {
        TableName: tableName(),
        Key: keys.contact(c.id),
        ConditionExpression: `attribute_exists(pk) AND version = :v AND #counts.tickets = :zero AND #counts.assets = :zero AND ${markerAsRead(c)}`,
        ExpressionAttributeNames: { '#counts': 'counts' },
        ExpressionAttributeValues: { ':v': c.version, ':zero': 0 },
      },
    },
    // Same version but counts above zero (a record was linked meanwhile: unlink again) or now counted by the backfill: retry.
    onConditionFailed: (old) => (!old ? new NotFoundError('contact') : Number(old.version) === c.version ? new StaleReadError() : new PreconditionFailedError(Number(old.version))),
  },
  ...(c.email ? [releaseEmail(c.email, c.id)] : []),
  ...(c.portalTokenHash ? [{ item: { Delete: { TableName: tableName(), Key: keys.portalToken(c.portalTokenHash) } } }] : []),
  ...(c.portalSub ? [{ item: { Delete: { TableName: tableName(), Key: keys.portalUser(c.portalSub) } } }] : []),
  ...searchTokenWrites(c, undefined),
  ...deleteExternalLinks('CONTACT', c.id, c.externalIds),
];

/**
 * The contact a record points at, as one transaction item: it must exist (`400 UNKNOWN_CONTACT`)
 * and belong to the record's company (`409 CONTACT_NOT_IN_COMPANY`); its counters change by `deltas`.
 * `path` names the request field that named the contact in the 400.
 */
export const contactReference = (contactId: string, companyId: string | null, deltas: CountDeltas, path = 'contactId'): TxItem =>
  countAndGuard(keys.contact(contactId), deltas, {
    condition: companyId ? 'attribute_exists(pk) AND companyId = :company' : 'attribute_exists(pk)',
    values: companyId ? { ':company': companyId } : undefined,
    onConditionFailed: (old) =>
      old
        ? new ConflictError('CONTACT_NOT_IN_COMPANY', 'The contact belongs to another company.')
        : new BadRequestError('UNKNOWN_CONTACT', `No contact has the id ${contactId}.`, [{ path, message: 'Unknown contact' }]),
  });

/** Sets portal fields (status, token, user) on a contact, at the version read. */
/**
 * Sets portal fields (status, token, user) on a contact, at the version read and with its
 * markers as read, marking it counted; `deltas` is what the change adds to its company's
 * counters (portal access that starts or ends), for the company item of the same transaction.
 */
export const setContactPortal = (c: ContactRecord, set: Partial<ContactRecord>, now: string): { item: TxItem; deltas: CountDeltas } => {
  const marks = Object.fromEntries(CONTACT_MARKERS.map((m) => [m, true]));
  return {
    item: {
      item: {
        Update: updateItem(keys.contact(c.id), { set: { ...set, ...marks, updatedAt: now }, add: { version: 1 } }, { expression: `attribute_exists(pk) AND version = :v AND ${markerAsRead(c)}`, values: { ':v': c.version } }),
      },
      // Same version, a marker set meanwhile: the backfill counted it in between (rare; try again).
      onConditionFailed: (old) => (!old ? new NotFoundError('contact') : Number(old.version) === c.version ? concurrentChange() : new PreconditionFailedError(Number(old.version))),
    },
    deltas: c.companyId ? contactDelta(c.companyId, c, counted({ ...c, ...set })) : {},
  };
};
