/**
 * Related-record rules, for every kind: a record lives in an active company, links only to a
 * contact of that company, and moves the counters of both in the same transaction as the
 * write itself: create, status change, move.
 */
import { companyReference } from '../companies/company.repository';
import { batchGet } from '../db/batch';
import { keys } from '../db/keys';
import { contactReference } from '../contacts/contact.repository';
import { negate, sumDeltas, type CountDeltas } from '../db/counters';
import { transact, type TxItem } from '../db/transact';
import { versionBase } from '../http/concurrency';
import { NotFoundError } from '../http/errors';
import { retryOnStaleRead } from '../db/optimistic';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import { getRecord, listRecords, listWatched, newRecord, newRecordItems, recordsOfContact, toResource, updateRecordItem, type StoredRecord } from './record.repository';
import { recordHooks, type RecordWrite } from './record.hooks';
import { RECORD_KINDS, type RecordKind } from './record.schema';

export const recordLocation = (kind: RecordKind, id: string) => `/v1/${kind.plural}/${id}`;

export { toResource };

/** The kind's own rules (record.hooks.ts): fills in what it defaults on `w.after`, returns the items that check it. */
const prepareHook = async (kind: RecordKind, w: Omit<RecordWrite, 'company' | 'item'>): Promise<{ setFields: string[]; items: TxItem[] }> => {
  const hook = recordHooks[kind.name];
  if (!hook) return { setFields: [], items: [] };
  // The company item and what the rules name in `reads`: one consistent BatchGetItem, the first time any rule asks.
  const companyId = w.after.companyId;
  const wanted = [...(companyId ? [keys.company(companyId)] : []), ...(hook.reads ?? [])];
  let batch: Promise<Record<string, unknown>[]> | undefined;
  const item = async (key: Record<string, string>) => (wanted.length ? (await (batch ??= batchGet(wanted))).find((i) => i.pk === key.pk && i.sk === key.sk) : undefined);
  const company = async () => (companyId ? item(keys.company(companyId)) : undefined);
  const { set = {}, items } = await hook.prepare({ ...w, company, item });
  Object.assign(w.after, set);
  return { setFields: Object.keys(set), items };
};

export const createRecord = async (
  kind: RecordKind,
  input: Record<string, unknown>,
  idempotency?: IdempotencyContext,
  extra: Record<string, unknown> = {},
  /** What the caller is shown (and a replay of the same Idempotency-Key too): the resource, or a view of it (the portal's). */
  present: (resource: Record<string, unknown>) => Record<string, unknown> = (r) => r,
) => {
  const record = newRecord(kind, input, extra);
  // The kind's own rules first: they may fill in fields (a ticket's default contract) the resource shows.
  const hooked = await prepareHook(kind, { before: undefined, after: record, input });
  const resource = present(toResource(kind, record));
  await transact([
    ...recordIdempotent(idempotency, { status: 201, body: resource, headers: { location: recordLocation(kind, record.id), etag: '"1"' } }),
    ...newRecordItems(kind, record),
    ...hooked.items,
  ]);
  return resource;
};

export const findRecord = async (kind: RecordKind, id: string) => {
  const r = await getRecord(kind, id);
  if (!r) throw new NotFoundError(kind.name);
  return toResource(kind, r);
};

export const searchRecords = async (kind: RecordKind, query: { companyId?: string; contactId?: string; status?: string; limit: number; cursor?: string } & Record<string, unknown>): Promise<Page<unknown>> => {
  // Neither a company nor a contact: the kind's own index (the schema allows it only with its filters).
  if (!query.companyId && !query.contactId && kind.watch) {
    const page = await listWatched(kind, query, query.limit, query.cursor);
    return { items: page.items.filter((r) => !query.status || r.status === query.status).map((r) => toResource(kind, r)), nextCursor: page.nextCursor };
  }
  const by = query.companyId ? { companyId: query.companyId } : { contactId: query.contactId! };
  const page = await listRecords(kind, by, query.status, query.limit, query.cursor);
  const items = kind.watch ? page.items.filter((r) => kind.watch!.matches(r, query)) : page.items;
  return { items: items.map((r) => toResource(kind, r)), nextCursor: page.nextCursor };
};

/**
 * Company and contact items for a change from `before` to `after` (either may be absent): one
 * per company and contact touched, with the counter deltas. Every company touched is there,
 * deltas or not, because its condition is what keeps an archived company's records as they are.
 */
const counterItems = (kind: RecordKind, before: StoredRecord | undefined, after: StoredRecord): TxItem[] => {
  const was = before ? kind.counts(before) : { company: {}, contact: {} };
  const now = kind.counts(after);
  const items: TxItem[] = [];
  const companies = new Map<string, { deltas: CountDeltas[]; into: boolean }>();
  if (before?.companyId) companies.set(before.companyId, { deltas: [negate(was.company)], into: false });
  if (after.companyId) {
    const entry = companies.get(after.companyId) ?? { deltas: [], into: before?.companyId !== after.companyId };
    entry.deltas.push(now.company);
    companies.set(after.companyId, entry);
  }
  for (const [id, { deltas, into }] of companies) items.push(companyReference(id, sumDeltas(...deltas), { into }));
  if (kind.linksContact) {
    const movedCompany = before?.companyId !== after.companyId;
    if (before?.contactId && before.contactId !== after.contactId) items.push(contactReference(before.contactId, null, negate(was.contact)));
    if (after.contactId) {
      const sameContact = before?.contactId === after.contactId;
      const deltas = sameContact ? sumDeltas(now.contact, negate(was.contact)) : now.contact;
      // A new link, or a kept link under a new company, must point at a contact of the record's company.
      if (!sameContact || movedCompany || Object.keys(deltas).length) items.push(contactReference(after.contactId, !sameContact || movedCompany ? after.companyId : null, deltas));
    }
  }
  return items;
};

/**
 * A record's change from `before` to `after` as transaction items: the changed fields at the
 * version read, and its counters (`counterItems`). A kind with a `marker` has it set by every
 * such change, and counted from then on: an item written before its counter existed is counted
 * in full by its first change (its before-image counted nothing). `onConditionFailed` replaces
 * the record's own (412 / 404) where a caller retries a lost race instead.
 */
export const changeItems = (
  kind: RecordKind,
  before: StoredRecord,
  after: StoredRecord,
  changed: readonly string[],
  onConditionFailed?: TxItem['onConditionFailed'],
): TxItem[] => {
  const markers = kind.markers ?? [];
  const counted = { ...after, ...Object.fromEntries(markers.map((m) => [m, true])) };
  const record = updateRecordItem(kind, before, counted, [...changed, ...markers]);
  return [onConditionFailed ? { ...record, onConditionFailed } : record, ...counterItems(kind, before, counted)];
};

/** PATCH: changed fields only, at the version it is based on: a stale `If-Match` is 412, a race lost without one 409. */
export const updateRecord = async (
  kind: RecordKind,
  id: string,
  sent: Record<string, unknown>,
  ifMatch: number | '*' | undefined,
  /** The kind's own rules on the record as read: may refuse, or complete the input (an invoice's total from its lines). */
  prepare?: (before: StoredRecord, input: Record<string, unknown>) => Record<string, unknown>,
) => {
  const base = versionBase(ifMatch);
  const before = await getRecord(kind, id, true);
  if (!before) throw new NotFoundError(kind.name);
  base.check(before.version);
  const input = prepare ? prepare(before, sent) : sent;
  const changed = Object.keys(input).filter((f) => JSON.stringify(input[f] ?? null) !== JSON.stringify(before[f] ?? null));
  if (changed.length === 0) return toResource(kind, before);
  const after: StoredRecord = { ...before, ...input, version: before.version + 1, updatedAt: new Date().toISOString() };
  const hooked = await prepareHook(kind, { before, after, input });
  await base.write(transact([...changeItems(kind, before, after, [...changed, ...hooked.setFields]), ...hooked.items]));
  return toResource(kind, after);
};

/**
 * Unlinks every record of a deleted contact (records are kept, `contactId` null), one small
 * transaction per record with the contact's counter, so the counters stay exact and a crash
 * half-way leaves a consistent state to resume from.
 */
export const unlinkContactRecords = async (contactId: string): Promise<void> => {
  for (const kind of RECORD_KINDS.filter((k) => k.linksContact)) {
    for (;;) {
      const linked = await recordsOfContact(kind, contactId, 25);
      let unlinked = 0;
      for (const r of linked) {
        await retryOnStaleRead(async () => {
          const current = await getRecord(kind, r.id, true);
          if (!current || current.contactId !== contactId) return; // already unlinked (the index lags)
          const after = { ...current, contactId: null, version: current.version + 1, updatedAt: new Date().toISOString() };
          await transact([
            updateRecordItem(kind, current, after, ['contactId'], { expectContact: contactId }),
            contactReference(contactId, null, negate(kind.counts(current).contact)),
            // A record of an archived company keeps its contact link too (the delete is refused).
            ...(current.companyId ? [companyReference(current.companyId, {}, { into: false })] : []),
          ]);
          unlinked++;
        });
      }
      // Nothing left to unlink in what the index shows; the contact's exact counters decide (see deleteContact).
      if (unlinked === 0) break;
    }
  }
};
