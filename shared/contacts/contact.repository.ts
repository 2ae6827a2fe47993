/**
 * Contact items: one function per access pattern; changes come back as transaction items so
 * the service writes them with the company counters and the email guard in one transaction.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { countAndGuard, type CountDeltas } from '../db/counters';
import { keys, normalizeName } from '../db/keys';
import type { TxItem } from '../db/transact';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import { contactSchema, type Contact, type ContactStatus } from './contact.schema';

/** What the item holds beyond the API resource: the portal user and the live set-up token. */
export interface ContactRecord extends Contact {
  portalUsername?: string | null;
  /** The portal user's immutable Cognito `sub`; its `PORTALUSER#<sub>` item points back here. */
  portalSub?: string | null;
  portalTokenHash?: string | null;
  /** What Microsoft 365 said at the last sync (a sync writes only when this changes). */
  m365Mapped?: Record<string, unknown> | null;
}

const API_FIELDS = Object.keys(contactSchema.shape) as (keyof Contact)[];

/** The API resource of a stored contact: only its documented fields. */
export const toContact = (r: ContactRecord | Record<string, unknown>): Contact =>
  Object.fromEntries(API_FIELDS.map((f) => [f, (r as Record<string, unknown>)[f] ?? null])) as Contact;

const toItem = (c: ContactRecord) => ({ ...keys.contact(c.id), ...keys.contactLists(c), type: 'Contact', ...c });
const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, type: _t, ...rest }: Record<string, unknown>) => rest as unknown as ContactRecord;

const emailTaken = (email: string) => () => new ConflictError('CONTACT_EMAIL_TAKEN', `A contact with the email ${email} already exists.`);

export const getContact = async (id: string, consistent = false): Promise<ContactRecord | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.contact(id), ConsistentRead: consistent }));
  return out.Item ? fromItem(out.Item) : undefined;
};

/** The contact holding an email, through its guard item (one GetItem). */
export const contactIdByEmail = async (email: string): Promise<string | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.contactEmail(email) }));
  return out.Item?.contactId as string | undefined;
};

export type ContactListing = { by: 'company'; companyId: string } | { by: 'unassigned' } | { by: 'all' };

/**
 * Contacts by last name, one Query: a company's or the unassigned ones on GSI1, all on GSI2.
 * `status` and `q` (a prefix of the first name, last name or email, any case) filter the page,
 * so a filtered page may hold fewer than `limit` items and still have a `nextCursor`.
 */
export const listContacts = async (listing: ContactListing, filter: { status?: ContactStatus; q?: string }, limit: number, cursor?: string): Promise<Page<Contact>> => {
  const index = listing.by === 'all' ? 'gsi2' : 'gsi1';
  const partition = listing.by === 'all' ? 'CONTACTS' : keys.contactListPartition(listing.by === 'company' ? listing.companyId : null);
  const q = filter.q ? normalizeName(filter.q) : undefined;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':pk': partition };
  const filters: string[] = [];
  if (filter.status) {
    names['#status'] = 'status';
    values[':status'] = filter.status;
    filters.push('#status = :status');
  }
  if (q) {
    values[':q'] = q;
    filters.push('(begins_with(searchFirst, :q) OR begins_with(searchLast, :q) OR begins_with(email, :q))');
  }
  const name = `contacts:${listing.by}:${listing.by === 'company' ? listing.companyId : ''}:${filter.status ?? ''}:${q ?? ''}`;
  const out = await db().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk`,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
      Limit: limit,
      ExclusiveStartKey: await decodeCursor(name, cursor),
    }),
  );
  return { items: (out.Items ?? []).map((i) => toContact(fromItem(i))), nextCursor: await encodeCursor(name, out.LastEvaluatedKey) };
};

const searchFields = (c: Pick<Contact, 'firstName' | 'lastName'>) => ({ searchFirst: normalizeName(c.firstName), searchLast: normalizeName(c.lastName) });

/** The contact, its email guard (uniqueness in the database) and nothing else; the service adds the company's counter. */
export const putNewContact = (c: ContactRecord): TxItem[] => [
  { item: { Put: { TableName: tableName(), Item: { ...toItem(c), ...searchFields(c) }, ConditionExpression: 'attribute_not_exists(pk)' } } },
  ...(c.email ? [emailGuard(c.email, c.id)] : []),
];

const emailGuard = (email: string, contactId: string): TxItem => ({
  item: { Put: { TableName: tableName(), Item: { ...keys.contactEmail(email), type: 'ContactEmail', contactId }, ConditionExpression: 'attribute_not_exists(pk)' } },
  onConditionFailed: emailTaken(email),
});

const releaseEmail = (email: string, contactId: string): TxItem => ({
  item: { Delete: { TableName: tableName(), Key: keys.contactEmail(email), ConditionExpression: 'contactId = :id', ExpressionAttributeValues: { ':id': contactId } } },
});

/** Version-checked update of the changed fields (and the list keys and email guard that follow them). */
export const updateContactItem = (before: ContactRecord, after: ContactRecord, changed: string[]): TxItem[] => {
  const fields = [...new Set([...changed, 'version', 'updatedAt'])];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':expected': before.version };
  const sets = fields.map((f, i) => {
    names[`#f${i}`] = f;
    values[`:f${i}`] = (after as unknown as Record<string, unknown>)[f] ?? null;
    return `#f${i} = :f${i}`;
  });
  const derived = { ...keys.contactLists(after), ...searchFields(after) };
  for (const [k, v] of Object.entries(derived)) {
    sets.push(`${k} = :${k}`);
    values[`:${k}`] = v;
  }
  const items: TxItem[] = [
    {
      item: {
        Update: {
          TableName: tableName(),
          Key: keys.contact(before.id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      onConditionFailed: (old) => (old ? new PreconditionFailedError(Number(old.version)) : new NotFoundError('contact')),
    },
  ];
  if (before.email !== after.email) {
    if (before.email) items.push(releaseEmail(before.email, before.id));
    if (after.email) items.push(emailGuard(after.email, after.id));
  }
  return items;
};

/** Deletes the contact at the version read, once nothing counts against it any more. */
export const deleteContactItem = (c: ContactRecord): TxItem[] => [
  {
    item: {
      Delete: {
        TableName: tableName(),
        Key: keys.contact(c.id),
        ConditionExpression: 'attribute_exists(pk) AND version = :v AND #counts.tickets = :zero AND #counts.assets = :zero',
        ExpressionAttributeNames: { '#counts': 'counts' },
        ExpressionAttributeValues: { ':v': c.version, ':zero': 0 },
      },
    },
    // Same version but counts above zero: a record was linked meanwhile; unlink again and retry.
    onConditionFailed: (old) => (!old ? new NotFoundError('contact') : Number(old.version) === c.version ? new StaleReadError() : new PreconditionFailedError(Number(old.version))),
  },
  ...(c.email ? [releaseEmail(c.email, c.id)] : []),
  ...(c.portalTokenHash ? [{ item: { Delete: { TableName: tableName(), Key: keys.portalToken(c.portalTokenHash) } } }] : []),
  ...(c.portalSub ? [{ item: { Delete: { TableName: tableName(), Key: keys.portalUser(c.portalSub) } } }] : []),
];

/**
 * The contact a record points at, as one transaction item: it must exist (`400 UNKNOWN_CONTACT`)
 * and belong to the record's company (`409 CONTACT_NOT_IN_COMPANY`); its counters change by `deltas`.
 */
export const contactReference = (contactId: string, companyId: string | null, deltas: CountDeltas): TxItem =>
  countAndGuard(keys.contact(contactId), deltas, {
    condition: companyId ? 'attribute_exists(pk) AND companyId = :company' : 'attribute_exists(pk)',
    values: companyId ? { ':company': companyId } : undefined,
    onConditionFailed: (old) =>
      old
        ? new ConflictError('CONTACT_NOT_IN_COMPANY', 'The contact belongs to another company.')
        : new BadRequestError('UNKNOWN_CONTACT', `No contact has the id ${contactId}.`, [{ path: 'contactId', message: 'Unknown contact' }]),
  });

/** Sets portal fields (status, token, user) on a contact, at the version read. */
export const setContactPortal = (c: ContactRecord, set: Partial<ContactRecord>, now: string): TxItem => {
  const fields = Object.entries({ ...set, updatedAt: now });
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':v': c.version, ':one': 1 };
  const sets = fields.map(([f, v], i) => {
    names[`#f${i}`] = f;
    values[`:f${i}`] = v;
    return `#f${i} = :f${i}`;
  });
  return {
    item: {
      Update: {
        TableName: tableName(),
        Key: keys.contact(c.id),
        UpdateExpression: `SET ${sets.join(', ')} ADD version :one`,
        ConditionExpression: 'attribute_exists(pk) AND version = :v',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    onConditionFailed: (old) => (old ? new PreconditionFailedError(Number(old.version)) : new NotFoundError('contact')),
  };
};
