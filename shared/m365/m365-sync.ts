/**
 * The Microsoft 365 sync of one company: Entra users become contacts, devices become assets.
 * Delta queries read only what changed since the last sync (a `410 Gone` starts a full read,
 * after which users no longer in the tenant are deactivated). Each record keeps what Microsoft
 * 365 said at the last sync (`m365Mapped`), and is written only when that changes, so a sync
 * with no changes writes nothing. The job's cursor (phase and next page) moves after each page,
 * and a run short of Lambda time hands over to a new message, so a large tenant continues
 * where it stopped; every write is idempotent (links and guards are conditional), so a
 * replayed page duplicates nothing. Nothing is ever deleted.
 */
import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { companyReference, getCompany } from '../companies/company.repository';
import { putNewContact, updateContactItem, type ContactRecord } from '../contacts/contact.repository';
import { email as emailSchema } from '../contacts/contact.schema';
import { tableName } from '../db/client';
import { keys } from '../db/keys';
import { transact, type TxItem } from '../db/transact';
import { batchGet, queryAll } from '../db/batch';
import { logger } from '../logger';
import { enqueueNow } from '../outbox/outbox';
import { putNewRecord, updateRecordItem, type StoredRecord } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import { graphFor } from './m365.client';
import { advanceSyncJob, finishSyncJob, getSyncJob, getSyncState, markSyncStarted, recordSeen, setDeltaLink, type StoredSyncJob, type SyncCursor } from './m365.repository';
import { DEVICE_SELECT, USER_SELECT, type GraphDevice, type GraphUser } from './m365.schema';

const PAGE_SIZE = 999;
const TIME_RESERVE_MS = 60_000;
const TX_ITEM_BUDGET = 90;

type Counts = { seen: number; created: number; updated: number; unchanged: number; deactivated: number };
type JobError = { externalId: string | null; message: string };

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

// ── writing a page ────────────────────────────────────────────────────────────────────────

const isConditionFailure = (err: unknown) => err instanceof TransactionCanceledException && (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');

/** Commits groups of items (each group is one object's writes) in transactions of up to ~90 items, with the company counter; on a conflict, one object at a time. */
const commitGroups = async (groups: { items: TxItem[]; onFail: (err: unknown) => void; companyDelta?: { id: string; field: string } }[]) => {
  let i = 0;
  while (i < groups.length) {
    const batch: typeof groups = [];
    let size = 1;
    while (i < groups.length && size + groups[i]!.items.length <= TX_ITEM_BUDGET) {
      batch.push(groups[i]!);
      size += groups[i]!.items.length;
      i++;
    }
    const counter = (gs: typeof groups): TxItem[] => {
      const deltas = new Map<string, Record<string, number>>();
      for (const g of gs) if (g.companyDelta) deltas.set(g.companyDelta.id, { ...deltas.get(g.companyDelta.id), [g.companyDelta.field]: (deltas.get(g.companyDelta.id)?.[g.companyDelta.field] ?? 0) + 1 });
      return [...deltas].map(([id, d]) => companyReference(id, d, { into: true }));
    };
    try {
      await transact([...batch.flatMap((g) => g.items), ...counter(batch)]);
    } catch (err) {
      if (!isConditionFailure(err) || batch.length === 1) {
        if (batch.length === 1) batch[0]!.onFail(err);
        else throw err;
        continue;
      }
      for (const g of batch) {
        try {
          await transact([...g.items, ...counter([g])]);
        } catch (e) {
          g.onFail(e);
        }
      }
    }
  }
};

const applyUsers = async (job: StoredSyncJob, users: GraphUser[], counts: Counts, errors: JobError[]) => {
  const now = new Date().toISOString();
  const links = new Map((await batchGet(users.map((u) => keys.m365Link('USER', job.tenantId, u.id)))).map((l) => [String(l.pk).split('#')[2]!, l.recordId as string]));
  const contacts = new Map((await batchGet([...new Set(links.values())].map((id) => keys.contact(id)))).map((c) => [c.id as string, c as unknown as ContactRecord]));
  const mapped = new Map(users.filter((u) => !u['@removed']).map((u) => [u.id, mapUser(u)]));
  // Users not linked yet: a contact with the same email may exist (created by hand).
  const unlinkedEmails = [...mapped].filter(([id]) => !links.has(id)).map(([, m]) => m.email).filter((e): e is string => !!e);
  const byEmail = new Map((await batchGet([...new Set(unlinkedEmails)].map((e) => keys.contactEmail(e)))).map((g) => [String(g.pk).slice('CONTACTEMAIL#'.length), g.contactId as string]));
  const emailOwners = new Map((await batchGet([...new Set(byEmail.values())].map((id) => keys.contact(id)))).map((c) => [c.id as string, c as unknown as ContactRecord]));

  const groups: Parameters<typeof commitGroups>[0] = [];
  const fail = (externalId: string, what: string) => (err: unknown) => {
    errors.push({ externalId, message: `${what}: ${(err as Error).message}` });
  };
  const update = (user: GraphUser, before: ContactRecord, m: MappedUser, extra: Partial<ContactRecord> = {}, previous = before.m365Mapped) => {
    const fields = changedFields(m, previous);
    if (fields.length === 0 && Object.keys(extra).length === 0) return 'unchanged';
    const after: ContactRecord = { ...before, ...Object.fromEntries(fields.map((f) => [f, m[f]])), ...extra, m365Mapped: m, version: before.version + 1, updatedAt: now };
    groups.push({ items: updateContactItem(before, after, [...fields, ...Object.keys(extra), 'm365Mapped']), onFail: fail(user.id, 'update') });
    if (before.status === 'active' && after.status === 'inactive') counts.deactivated++;
    return 'updated';
  };

  for (const user of users) {
    counts.seen++;
    const contactId = links.get(user.id);
    const existing = contactId ? contacts.get(contactId) : undefined;
    if (user['@removed']) {
      // Removed from the tenant: the contact stays, inactive.
      if (existing && existing.status === 'active') {
        groups.push({ items: updateContactItem(existing, { ...existing, status: 'inactive', version: existing.version + 1, updatedAt: now }, ['status']), onFail: fail(user.id, 'deactivate') });
        counts.deactivated++;
      } else counts.unchanged++;
      continue;
    }
    const m = mapped.get(user.id)!;
    if (existing) {
      const outcome = update(user, existing, m);
      counts[outcome]++;
      continue;
    }
    if (!m.email || !emailSchema.safeParse(m.email).success) {
      errors.push({ externalId: user.id, message: `User ${user.userPrincipalName ?? user.id} has no usable email address` });
      continue;
    }
    const link: TxItem = {
      item: { Put: { TableName: tableName(), Item: { ...keys.m365Link('USER', job.tenantId, user.id), type: 'M365Link', recordId: '' }, ConditionExpression: 'attribute_not_exists(pk)' } },
    };
    const ownerId = byEmail.get(m.email);
    if (ownerId) {
      const owner = emailOwners.get(ownerId);
      if (!owner || owner.companyId !== job.companyId) {
        errors.push({ externalId: user.id, message: `${m.email} belongs to a contact of another company; left alone` });
        continue;
      }
      // Created by hand in this company: link it, and take what Microsoft 365 says.
      (link.item.Put!.Item as Record<string, unknown>).recordId = owner.id;
      update(user, owner, m, { externalId: user.id }, null);
      groups[groups.length - 1]!.items.push(link);
      counts.updated++;
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
      version: 1,
      createdAt: now,
      updatedAt: now,
      m365Mapped: m,
    };
    (link.item.Put!.Item as Record<string, unknown>).recordId = contact.id;
    groups.push({ items: [...putNewContact(contact), link], companyDelta: { id: job.companyId, field: 'contacts' }, onFail: fail(user.id, 'create') });
    counts.created++;
  }
  await commitGroups(groups);
};

const applyDevices = async (job: StoredSyncJob, devices: GraphDevice[], counts: Counts, errors: JobError[]) => {
  const now = new Date().toISOString();
  const kind = recordKinds.asset;
  const present = devices.filter((d) => !d['@removed']);
  const links = new Map((await batchGet(present.map((d) => keys.m365Link('DEVICE', job.tenantId, d.id)))).map((l) => [String(l.pk).split('#')[2]!, l.recordId as string]));
  const assets = new Map((await batchGet([...new Set(links.values())].map((id) => keys.record(kind.prefix, id)))).map((a) => [a.id as string, a as unknown as StoredRecord]));
  const groups: Parameters<typeof commitGroups>[0] = [];
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
      groups.push({ items: [updateRecordItem(kind, existing, after, [...fields, 'm365Mapped'])], onFail: (e) => errors.push({ externalId: d.id, message: `update: ${(e as Error).message}` }) });
      counts.updated++;
      continue;
    }
    const asset: StoredRecord = { id: ulid(), companyId: job.companyId, contactId: null, ...m, serialNumber: null, source: 'm365', externalId: d.id, m365Mapped: m, version: 1, createdAt: now, updatedAt: now };
    groups.push({
      items: [
        putNewRecord(kind, asset),
        { item: { Put: { TableName: tableName(), Item: { ...keys.m365Link('DEVICE', job.tenantId, d.id), type: 'M365Link', recordId: asset.id }, ConditionExpression: 'attribute_not_exists(pk)' } } },
      ],
      companyDelta: { id: job.companyId, field: 'assets' },
      onFail: (e) => errors.push({ externalId: d.id, message: `create: ${(e as Error).message}` }),
    });
    counts.created++;
  }
  await commitGroups(groups);
};

/** After a full read of the users: contacts linked to users the tenant no longer has become inactive. */
const deactivateUnseen = async (job: StoredSyncJob, counts: Counts) => {
  const seen = new Set<string>();
  for await (const item of queryAll({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :seen)', ExpressionAttributeValues: { ':pk': keys.syncJob(job.id).pk, ':seen': 'SEEN#' } })) {
    for (const id of item.ids as string[]) seen.add(id);
  }
  const now = new Date().toISOString();
  const linked = queryAll({
    TableName: tableName(),
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    FilterExpression: 'attribute_exists(externalId) AND externalId <> :null AND #status = :active',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': keys.contactListPartition(job.companyId), ':null': null, ':active': 'active' },
  });
  for await (const item of linked) {
    const c = item as unknown as ContactRecord;
    if (!c.externalId || seen.has(c.externalId)) continue;
    await transact(updateContactItem(c, { ...c, status: 'inactive', version: c.version + 1, updatedAt: now }, ['status'])).catch(() => undefined);
    counts.deactivated++;
  }
};

// ── the run ───────────────────────────────────────────────────────────────────────────────

const startUrl = (phase: 'users' | 'devices') => `/${phase}/delta?$select=${(phase === 'users' ? USER_SELECT : DEVICE_SELECT).join(',')}&$top=${PAGE_SIZE}`;

/** Runs (or resumes) a sync job; `continue` when it handed over to a new message. */
export const runSync = async (jobId: string, remainingMs: () => number): Promise<'completed' | 'failed' | 'continue' | 'skipped'> => {
  const job = await getSyncJob(jobId);
  if (!job || job.status === 'completed' || job.status === 'failed') return 'skipped';
  const now = () => new Date().toISOString();
  const company = await getCompany(job.companyId, true);
  if (!company || company.status !== 'active') {
    await finishSyncJob(job, 'failed', now(), company ? 'The company is archived; archived companies are never synced.' : 'The company no longer exists.');
    return 'failed';
  }
  if (company.integrations.m365?.tenantId !== job.tenantId) {
    await finishSyncJob(job, 'failed', now(), 'The company is no longer linked to this tenant.');
    return 'failed';
  }
  await markSyncStarted(jobId, now());
  const graph: Client = graphFor(job.tenantId);
  const state = await getSyncState(job.companyId);
  let cursor = job.cursor;
  try {
    while (cursor.phase !== 'finish') {
      const phase = cursor.phase;
      const stored = phase === 'users' ? state.usersDeltaLink : state.devicesDeltaLink;
      const url = cursor.nextLink ?? stored ?? startUrl(phase);
      const full = cursor.nextLink ? cursor.full : !stored;
      let page: { value: (GraphUser & GraphDevice)[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
      try {
        page = await graph.api(url).get();
      } catch (err) {
        if (err instanceof GraphError && err.statusCode === 410) {
          // The delta token expired: read everything again, then deactivate who is gone.
          await setDeltaLink(job.companyId, phase, null);
          if (phase === 'users') state.usersDeltaLink = null;
          else state.devicesDeltaLink = null;
          const restart: SyncCursor = { phase, nextLink: null, full: true, page: cursor.page };
          if (!(await advanceSyncJob(job, cursor, restart, phase, {}, [{ externalId: null, message: `${phase}: delta token expired; reading everything again` }]))) return 'skipped';
          cursor = restart;
          continue;
        }
        throw err;
      }
      const counts: Counts = { seen: 0, created: 0, updated: 0, unchanged: 0, deactivated: 0 };
      const errors: JobError[] = [];
      if (phase === 'users') {
        await applyUsers(job, page.value, counts, errors);
        if (full) await recordSeen(job.id, cursor.page, page.value.filter((u) => !u['@removed']).map((u) => u.id));
      } else await applyDevices(job, page.value, counts, errors);

      const deltaLink = page['@odata.deltaLink'];
      if (deltaLink) {
        if (phase === 'users' && full) await deactivateUnseen(job, counts);
        await setDeltaLink(job.companyId, phase, deltaLink);
      }
      const next: SyncCursor = deltaLink ? { phase: phase === 'users' ? 'devices' : 'finish', nextLink: null, full: false, page: cursor.page + 1 } : { phase, nextLink: page['@odata.nextLink'] ?? null, full, page: cursor.page + 1 };
      if (!(await advanceSyncJob(job, cursor, next, phase, counts, errors))) return 'skipped'; // another delivery got further
      cursor = next;
      if (cursor.phase !== 'finish' && remainingMs() < TIME_RESERVE_MS) {
        await enqueueNow('m365-sync', { type: 'sync', jobId });
        return 'continue';
      }
    }
    await finishSyncJob(job, 'completed', now());
    return 'completed';
  } catch (err) {
    if (err instanceof GraphError && [401, 403].includes(err.statusCode)) {
      await finishSyncJob(job, 'failed', now(), `Microsoft 365 refused access (${err.statusCode} ${err.code}): consent may have been revoked.`);
      return 'failed';
    }
    logger.error('Microsoft 365 sync failed, will be retried', { jobId, error: err as Error });
    throw err;
  }
};
