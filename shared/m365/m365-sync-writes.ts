/**
 * What one page of a Microsoft 365 sync writes: users to contacts, devices to assets, and (after
 * a full read) the deactivation of contacts whose users are gone. Every transaction carries the
 * job's counts of what it writes (`countCommitted`), so a count exists only for a write that
 * committed, and a delivery that lost the race writes and counts nothing.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { companyCounter, companyReference } from '../companies/company.repository';
import { contactDelta, counted } from '../contacts/contact-counts';
import { getContact, putNewContact, updateContactItem, type ContactRecord } from '../contacts/contact.repository';
import { email as emailSchema } from '../contacts/contact.schema';
import { batchGet, queryAll } from '../db/batch';
import { sumDeltas, type CountDeltas } from '../db/counters';
import { tableName } from '../db/client';
import { readIndexAll } from '../db/index-read';
import { keys } from '../db/keys';
import { transact, type TxItem } from '../db/transact';
import { retryOnStaleRead } from '../db/optimistic';
import { retryPolicies } from '../db/retry';
import { ApiError, StaleReadError } from '../http/errors';
import { putNewRecord, updateRecordItem, type StoredRecord } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import { countCommitted, type JobError, type StoredSyncJob, type SyncCursor } from './m365.repository';
import type { GraphDevice, GraphUser } from './m365.schema';

/** Items per transaction, the job's counts and the company counter included (DynamoDB allows 100). */
export const TX_ITEM_BUDGET = 100;
/** Tries at deactivating one contact whose user is gone, each on a fresh read. */
const DEACTIVATE_ATTEMPTS = 3;

/** What a page read; what it wrote is counted with the writes (`Committed`). */
export type ReadCounts = { seen: number; unchanged: number };
type Committed = Partial<Record<'created' | 'updated' | 'deactivated', number>>;

/** Where the page is written from: the job, its cursor and phase (the counts are checked against them). */
export interface PageAt {
  job: StoredSyncJob;
  cursor: SyncCursor;
  phase: 'users' | 'devices';
}

// ── mapping: what a record should say, from Microsoft 365 ────────────────────────────────

const split = (name: string | null | undefined) => {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  return { first: parts[0], rest: parts.slice(1).join(' ') || undefined };
};

export const mapUser = (u: GraphUser) => {
  const local = (u.userPrincipalName ?? '').split('@')[0] || u.id;
  const display = split(u.displayName);
  const firstName = (u.givenName?.trim() || display.first || local).slice(0, 100);
  const lastName = (u.surname?.trim() || display.rest || u.displayName?.trim() || local).slice(0, 100);
  return {
    firstName,
    lastName,
    email: (u.mail || u.userPrincipalName || '').trim().toLowerCase() || null,
    phone: u.mobilePhone?.trim() || u.businessPhones?.[0]?.trim() || null,
    title: u.jobTitle?.trim() || null,
    status: u.accountEnabled === false ? ('inactive' as const) : ('active' as const),
  };
};
type MappedUser = ReturnType<typeof mapUser>;

const MOBILE_OS = /^(ios|ipados|android|windows ?phone)/i;
export const mapDevice = (d: GraphDevice) => ({
  name: (d.displayName?.trim() || d.id).slice(0, 200),
  kind: MOBILE_OS.test(d.operatingSystem ?? '') ? ('mobile' as const) : ('computer' as const),
  os: [d.operatingSystem, d.operatingSystemVersion].filter(Boolean).join(' ').trim().slice(0, 100) || null,
});
type MappedDevice = ReturnType<typeof mapDevice>;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
/** The fields Microsoft 365 changed since the last sync (not the ones staff edited since). */
const changedFields = <T extends Record<string, unknown>>(mapped: T, previous: Record<string, unknown> | null | undefined) =>
  (Object.keys(mapped) as (keyof T & string)[]).filter((f) => !previous || !same(mapped[f], previous[f]));

// ── committing ────────────────────────────────────────────────────────────────────────────

/**
 * A refusal that concerns one object (its condition failed: it changed, or its email is taken),
 * which is that object's error. Anything else (throttling, an outage) fails the run, and the
 * page is read again on redelivery.
 */
const isObjectConflict = (err: unknown) =>
  (err instanceof ApiError && !companyArchivedError(err)) || err instanceof StaleReadError || (err instanceof TransactionCanceledException && (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'));

const sum = (cs: Committed[]): Committed => {
  const out: Committed = {};
  for (const c of cs) for (const [k, n] of Object.entries(c) as [keyof Committed, number][]) out[k] = (out[k] ?? 0) + n;
  return out;
};

interface Group {
  /** One object's writes. */
  items: TxItem[];
  /** What they count once committed. */
  counts: Committed;
  onFail: (err: unknown) => void;
  /** What they add to companies' counters, by company id (the synced company's, or the one staff moved a linked contact to). */
  companyDeltas?: Map<string, CountDeltas>;
}

/** A contact's write, `before` → `after`, as counter deltas of the company it is in (none without a company). */
const contactDeltas = (before: ContactRecord | undefined, after: ContactRecord): Map<string, CountDeltas> => {
  const companyId = after.companyId ?? before?.companyId;
  return companyId ? new Map([[companyId, contactDelta(companyId, before, after)]]) : new Map();
};

/**
 * The company items of a transaction: the synced company always, under its guard (archived means
 * preserved as-is, so an archive that lands mid-sync stops its writes), with its counters; another
 * company (a linked contact staff moved there) only for its counters.
 */
const companyItems = (syncedCompanyId: string, deltas: Map<string, CountDeltas>, into: boolean): TxItem[] => [
  companyReference(syncedCompanyId, deltas.get(syncedCompanyId) ?? {}, { into }),
  ...[...deltas].filter(([id, d]) => id !== syncedCompanyId && Object.keys(d).length > 0).map(([id, d]) => companyCounter(id, d)),
];

/** The items a group takes in a transaction: its own, and one per company other than the synced one it counts in. */
const sizeOf = (syncedCompanyId: string, g: Group) => g.items.length + [...(g.companyDeltas?.keys() ?? [])].filter((id) => id !== syncedCompanyId).length;

/** The company's archive, landed while the sync ran: not one object's conflict, the end of the sync. */
export const companyArchivedError = (err: unknown): boolean => err instanceof ApiError && err.code === 'COMPANY_ARCHIVED';

/** Commits groups in transactions of up to TX_ITEM_BUDGET items, with the job's counts and the companies' counters; on an object's conflict, one object at a time. */
const commitGroups = async (at: PageAt, groups: Group[]) => {
  const commit = (gs: Group[]) => {
    const deltas = new Map<string, CountDeltas>();
    for (const g of gs) for (const [id, d] of g.companyDeltas ?? []) deltas.set(id, sumDeltas(deltas.get(id) ?? {}, d));
    // Listed first: a job another delivery moved on is reported as such, whatever else failed.
    return transact([
      countCommitted(at.job.id, at.cursor, at.phase, sum(gs.map((g) => g.counts)), gs.length),
      ...gs.flatMap((g) => g.items),
      ...companyItems(at.job.companyId, deltas, true),
    ]);
  };
  let i = 0;
  while (i < groups.length) {
    const batch: Group[] = [];
    let size = 2;
    while (i < groups.length && size + sizeOf(at.job.companyId, groups[i]!) <= TX_ITEM_BUDGET) {
      batch.push(groups[i]!);
      size += sizeOf(at.job.companyId, groups[i]!);
      i++;
    }
    try {
      await commit(batch);
    } catch (err) {
      if (!isObjectConflict(err)) throw err;
      if (batch.length === 1) {
        batch[0]!.onFail(err);
        continue;
      }
      for (const g of batch) {
        try {
          await commit([g]);
        } catch (e) {
          if (!isObjectConflict(e)) throw e;
          g.onFail(e);
        }
      }
    }
  }
};

const failure = (errors: JobError[], externalId: string, what: string) => (err: unknown) => {
  errors.push({ externalId, message: `${what}: ${(err as Error).message}` });
};

// ── a page of users, a page of devices ─────────────────────────────────────────────────────

/** Writes a page of users; counts what it read (`seen`, `unchanged`) into `counts`, and what it wrote into the job, with the writes. */
export const applyUsers = async (at: PageAt, users: GraphUser[], counts: ReadCounts, errors: JobError[]) => {
  const { job } = at;
  const now = new Date().toISOString();
  const links = new Map((await batchGet(users.map((u) => keys.m365Link('USER', job.tenantId, u.id)))).map((l) => [String(l.pk).split('#')[2]!, l.recordId as string]));
  const contacts = new Map((await batchGet([...new Set(links.values())].map((id) => keys.contact(id)))).map((c) => [c.id as string, c as unknown as ContactRecord]));
  const mapped = new Map(users.filter((u) => !u['@removed']).map((u) => [u.id, mapUser(u)]));
  // Users not linked yet: a contact with the same email may exist (created by hand).
  const unlinkedEmails = [...mapped].filter(([id]) => !links.has(id)).map(([, m]) => m.email).filter((e): e is string => !!e);
  const byEmail = new Map((await batchGet([...new Set(unlinkedEmails)].map((e) => keys.contactEmail(e)))).map((g) => [String(g.pk).slice('CONTACTEMAIL#'.length), g.contactId as string]));
  const emailOwners = new Map((await batchGet([...new Set(byEmail.values())].map((id) => keys.contact(id)))).map((c) => [c.id as string, c as unknown as ContactRecord]));

  const groups: Group[] = [];
  /** The group updating `before` to what Microsoft 365 says, or none when nothing changed. */
  const update = (user: GraphUser, before: ContactRecord, m: MappedUser, extra: Partial<ContactRecord> = {}, previous = before.m365Mapped): Group | undefined => {
    const fields = changedFields(m, previous);
    if (fields.length === 0 && Object.keys(extra).length === 0) return undefined;
    const after: ContactRecord = counted({ ...before, ...Object.fromEntries(fields.map((f) => [f, m[f]])), ...extra, m365Mapped: m, version: before.version + 1, updatedAt: now });
    const group: Group = {
      items: updateContactItem(before, after, [...fields, ...Object.keys(extra), 'm365Mapped']),
      counts: { updated: 1 },
      companyDeltas: contactDeltas(before, after),
      onFail: failure(errors, user.id, 'update'),
    };
    if (before.status === 'active' && after.status === 'inactive') group.counts.deactivated = 1;
    return group;
  };

  for (const user of users) {
    counts.seen++;
    const contactId = links.get(user.id);
    const existing = contactId ? contacts.get(contactId) : undefined;
    if (user['@removed']) {
      // Removed from the tenant: the contact stays, inactive.
      if (existing && existing.status === 'active') {
        const after = counted<ContactRecord>({ ...existing, status: 'inactive', version: existing.version + 1, updatedAt: now });
        groups.push({ items: updateContactItem(existing, after, ['status']), counts: { deactivated: 1 }, companyDeltas: contactDeltas(existing, after), onFail: failure(errors, user.id, 'deactivate') });
      } else counts.unchanged++;
      continue;
    }
    const m = mapped.get(user.id)!;
    if (existing) {
      const group = update(user, existing, m);
      if (group) groups.push(group);
      else counts.unchanged++;
      continue;
    }
    if (!m.email || !emailSchema.safeParse(m.email).success) {
      errors.push({ externalId: user.id, message: `User ${user.userPrincipalName ?? user.id} has no usable email address` });
      continue;
    }
    const link = (recordId: string): TxItem => ({
      item: { Put: { TableName: tableName(), Item: { ...keys.m365Link('USER', job.tenantId, user.id), type: 'M365Link', recordId }, ConditionExpression: 'attribute_not_exists(pk)' } },
    });
    const ownerId = byEmail.get(m.email);
    if (ownerId) {
      const owner = emailOwners.get(ownerId);
      if (!owner || owner.companyId !== job.companyId) {
        errors.push({ externalId: user.id, message: `${m.email} belongs to a contact of another company; left alone` });
        continue;
      }
      // Created by hand in this company: link it, and take what Microsoft 365 says.
      const group = update(user, owner, m, { externalId: user.id }, null)!;
      group.items.push(link(owner.id));
      groups.push(group);
      continue;
    }
    const contact: ContactRecord = {
      id: ulid(),
      companyId: job.companyId,
      firstName: m.firstName,
      lastName: m.lastName,
      email: m.email,
      phone: m.phone,
      title: m.title,
      status: m.status,
      portal: { status: 'none', invitedAt: null, activatedAt: null },
      counts: { tickets: 0, assets: 0 },
      source: 'm365',
      externalId: user.id,
      externalIds: {},
      version: 1,
      createdAt: now,
      updatedAt: now,
      m365Mapped: m,
      activeCounted: true,
      portalCounted: true,
    };
    groups.push({ items: [...putNewContact(contact), link(contact.id)], counts: { created: 1 }, companyDeltas: contactDeltas(undefined, contact), onFail: failure(errors, user.id, 'create') });
  }
  await commitGroups(at, groups);
};

export const applyDevices = async (at: PageAt, devices: GraphDevice[], counts: ReadCounts, errors: JobError[]) => {
  const { job } = at;
  const now = new Date().toISOString();
  const kind = recordKinds.asset;
  const present = devices.filter((d) => !d['@removed']);
  const links = new Map((await batchGet(present.map((d) => keys.m365Link('DEVICE', job.tenantId, d.id)))).map((l) => [String(l.pk).split('#')[2]!, l.recordId as string]));
  const assets = new Map((await batchGet([...new Set(links.values())].map((id) => keys.record(kind.prefix, id)))).map((a) => [a.id as string, a as unknown as StoredRecord]));
  const groups: Group[] = [];
  for (const d of devices) {
    counts.seen++;
    if (d['@removed']) {
      counts.unchanged++; // the asset is kept as it is
      continue;
    }
    const m = mapDevice(d);
    const existing = links.has(d.id) ? assets.get(links.get(d.id)!) : undefined;
    if (existing) {
      const fields = changedFields(m, existing.m365Mapped as Record<string, unknown> | undefined);
      if (!fields.length) {
        counts.unchanged++;
        continue;
      }
      const after: StoredRecord = { ...existing, ...Object.fromEntries(fields.map((f) => [f, m[f as keyof MappedDevice]])), m365Mapped: m, version: existing.version + 1, updatedAt: now };
      groups.push({ items: [updateRecordItem(kind, existing, after, [...fields, 'm365Mapped'])], counts: { updated: 1 }, onFail: failure(errors, d.id, 'update') });
      continue;
    }
    const asset: StoredRecord = { id: ulid(), companyId: job.companyId, contactId: null, ...m, serialNumber: null, source: 'm365', externalId: d.id, m365Mapped: m, version: 1, createdAt: now, updatedAt: now };
    groups.push({
      items: [
        putNewRecord(kind, asset),
        { item: { Put: { TableName: tableName(), Item: { ...keys.m365Link('DEVICE', job.tenantId, d.id), type: 'M365Link', recordId: asset.id }, ConditionExpression: 'attribute_not_exists(pk)' } } },
      ],
      counts: { created: 1 },
      companyDeltas: new Map([[job.companyId, { assets: 1 }]]),
      onFail: failure(errors, d.id, 'create'),
    });
  }
  await commitGroups(at, groups);
};

/**
 * After a full read of the users: contacts linked to users the tenant no longer has become
 * inactive. A contact edited meanwhile is read again and tried again; one that still cannot be
 * written is the job's error (it would otherwise stay active with no later sync to catch it).
 */
export const deactivateUnseen = async (at: PageAt, errors: JobError[]) => {
  const { job } = at;
  const seen = new Set<string>();
  for await (const item of queryAll({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :seen)', ExpressionAttributeValues: { ':pk': keys.syncJob(job.id).pk, ':seen': 'SEEN#' } })) {
    for (const id of item.ids as string[]) seen.add(id);
  }
  for await (const item of readIndexAll({ index: 'gsi1', partitions: keys.contactListPartitions(job.companyId) })) {
    const listed = item as unknown as ContactRecord;
    if (!listed.externalId || listed.status !== 'active' || seen.has(listed.externalId)) continue;
    // The listing is the first read; a lost race reads the contact again (it may be inactive or relinked by then).
    await retryOnStaleRead(
      async (n) => {
        const c = n === 1 ? listed : await getContact(listed.id, true);
        if (!c || c.status !== 'active' || c.externalId !== listed.externalId) return;
        const after = counted<ContactRecord>({ ...c, status: 'inactive', version: c.version + 1, updatedAt: new Date().toISOString() });
        // The synced company as it is already linked (gone: archived, the sync's end), and the contact's company's counters.
        await transact([countCommitted(job.id, at.cursor, 'users', { deactivated: 1 }, 0), ...companyItems(job.companyId, contactDeltas(c, after), false), ...updateContactItem(c, after, ['status'])]);
      },
      {
        policy: { ...retryPolicies.staleRead, attempts: DEACTIVATE_ATTEMPTS },
        isStale: isObjectConflict,
        onExhausted: (err) => failure(errors, listed.externalId!, 'deactivate (user no longer in the tenant)')(err),
      },
    );
  }
};
