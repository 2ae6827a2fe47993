/**
 * A company's health (API.md v1.1): computed from what is on its partition, the company item's
 * counters (tickets with an SLA clock, invoices) and the latest signal of each kind, read in one
 * BatchGetItem, so the score is always the current one (it follows its inputs the moment they
 * change). Each day's score is kept (`HEALTH#<date>`) for the trend: written when a signal
 * arrives and by the nightly schedule for every active company.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { companyActive, companyArchived, outstandingBalance, requireCompany } from '../companies/company.repository';
import { mspToday } from '../billing/msp-defaults';
import { transact } from '../db/transact';
import { batchGet } from '../db/batch';
import { readIndexAll } from '../db/index-read';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { NotFoundError } from '../http/errors';
import type { Page } from '../http/pagination';
import { pagePartition } from '../db/partition-page';
import { engagementKeys } from './engagement';
import { healthScore, type HealthComponent, type HealthInputs } from './health-score';
import type { SignalInput } from './health.schema';

export const SIGNAL_KINDS = ['backups', 'endpoints', 'security'] as const;
const SNAPSHOT_TTL_SECONDS = 2 * 366 * 24 * 60 * 60;

export interface Health {
  score: number | null;
  components: HealthComponent[];
  computedAt: string;
}

/** The keys the health of a company is computed from (the Client 360 reads them in its own batch). */
export const healthKeys = (companyId: string, now = new Date()) => [keys.company(companyId), ...SIGNAL_KINDS.map((k) => keys.healthSignal(companyId, k)), ...engagementKeys(companyId, now)];

const engagementOf = (items: Record<string, unknown>[], companyId: string, counts: Record<string, number>, now: Date) => {
  const months = engagementKeys(companyId, now).map((k) => items.find((i) => i.pk === k.pk && i.sk === k.sk));
  const lastLoginAt = months.map((m) => m?.lastPortalLoginAt as string | undefined).find(Boolean) ?? null;
  return { portalContacts: counts.portalContacts ?? 0, logins: months.reduce((sum, m) => sum + Number(m?.portalLogins ?? 0), 0), lastLoginAt };
};

const communicationsOf = (items: Record<string, unknown>[], companyId: string, now: Date) => {
  const months = engagementKeys(companyId, now).map((k) => items.find((i) => i.pk === k.pk && i.sk === k.sk));
  const sum = (f: string) => months.reduce((total, m) => total + Number(m?.[f] ?? 0), 0);
  return { sent: sum('mailsSent'), bounces: sum('mailBounces'), complaints: sum('mailComplaints') };
};

/** The health from the items `healthKeys` names (absent ones are no data). */
export const healthOf = (items: Record<string, unknown>[], companyId: string, now = new Date()): Health => {
  const company = items.find((i) => i.sk === keys.company(companyId).sk)!;
  const counts = (company.counts ?? {}) as Record<string, number>;
  const signal = (kind: string) => items.find((i) => i.sk === keys.healthSignal(companyId, kind).sk)?.signal as never;
  const inputs: HealthInputs = {
    tickets: {
      open: counts.openTickets ?? 0,
      breachedOpen: counts.slaBreachedOpen ?? 0,
      slaResolved: counts.slaResolved ?? 0,
      slaResolvedLate: counts.slaResolvedLate ?? 0,
      resolutionMinutes: counts.slaResolutionMinutes ?? 0,
    },
    // Invoices sent before `invoicesIssued` existed are counted from their next change; one still unpaid is an issued one.
    invoices: { issued: Math.max(counts.invoicesIssued ?? 0, counts.outstandingInvoices ?? 0), outstanding: counts.outstandingInvoices ?? 0, owed: outstandingBalance(counts) },
    engagement: engagementOf(items, companyId, counts, now),
    communications: communicationsOf(items, companyId, now),
    backups: signal('backups'),
    endpoints: signal('endpoints'),
    security: signal('security'),
  };
  return { ...healthScore(inputs, now), computedAt: now.toISOString() };
};

export const companyHealth = async (companyId: string): Promise<Health> => {
  const items = await batchGet(healthKeys(companyId), { consistent: false });
  if (!items.some((i) => i.sk === keys.company(companyId).sk)) throw new NotFoundError('company');
  return healthOf(items, companyId);
};

/** Keeps today's score (UTC) for the trend; the day's last computation wins. */
export const keepSnapshot = async (companyId: string, health: Health): Promise<void> => {
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: snapshotItem(companyId, health),
      // The day's latest computation wins over one that finishes after it.
      ConditionExpression: 'attribute_not_exists(computedAt) OR computedAt <= :at',
      ExpressionAttributeValues: { ':at': health.computedAt },
    }),
  ).catch((err) => {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  });
};

export const healthHistory = async (companyId: string, limit: number, cursor?: string): Promise<Page<{ date: string; score: number | null; computedAt: string }>> => {
  // Beside a key-only read of the company: an unknown one is 404, not an empty history.
  const [, page] = await Promise.all([requireCompany(companyId), pagePartition(`health:${companyId}`, keys.company(companyId).pk, keys.healthSnapshotPrefix, limit, cursor)]);
  const items = page.items.map((i) => ({ date: String(i.date), score: (i.score as number | null) ?? null, computedAt: String(i.computedAt) }));
  return { items, nextCursor: page.nextCursor };
};

/**
 * Stores a signal as the latest of its kind unless a newer one is in (`observedAt`: tools retry
 * and post out of order), while the company is active; then keeps today's score.
 */
export const recordSignal = async (companyId: string, input: SignalInput): Promise<{ kind: string; observedAt: string; current: boolean }> => {
  const items = await batchGet(healthKeys(companyId));
  const company = items.find((i) => i.sk === keys.company(companyId).sk);
  if (!company) throw new NotFoundError('company');
  if (company.status !== 'active') throw companyArchived();
  const { kind, ...signal } = input;
  const observedAt = new Date(input.observedAt).toISOString();
  let current = true;
  try {
    await transact([
      // An archive since the read wins (archived means preserved as-is): 409.
      companyActive(companyId, () => new NotFoundError('company')),
      {
        item: {
          Put: {
            TableName: tableName(),
            Item: { ...keys.healthSignal(companyId, kind), type: 'HealthSignal', observedAt, signal: { ...signal, observedAt }, receivedAt: new Date().toISOString() },
            ConditionExpression: 'attribute_not_exists(observedAt) OR observedAt < :at',
            ExpressionAttributeValues: { ':at': observedAt },
          },
        },
        onConditionFailed: () => new OlderSignal(),
      },
    ]);
  } catch (err) {
    if (!(err instanceof OlderSignal)) throw err;
    current = false;
  }
  if (current) {
    const others = items.filter((i) => i.sk !== keys.healthSignal(companyId, kind).sk);
    await keepSnapshot(companyId, healthOf([...others, { ...keys.healthSignal(companyId, kind), signal: { ...signal, observedAt } }], companyId));
  }
  return { kind, observedAt, current };
};

const snapshotItem = (companyId: string, health: Health) => {
  // The MSP's date (API.md: dates without a time are in its time zone), like every other day we file.
  const date = mspToday(new Date(health.computedAt));
  return { ...keys.healthSnapshot(companyId, date), type: 'HealthSnapshot', date, score: health.score, computedAt: health.computedAt, expiresAt: Math.floor(Date.now() / 1000) + SNAPSHOT_TTL_SECONDS };
};

/**
 * The nightly schedule: today's score of every active company, for the trend. The active
 * companies' list a page of 100 at a time (its index Queries and one BatchGetItem), their
 * signals in BatchGetItems, the snapshots in BatchWriteItems: about 10 requests per 100
 * companies. Killed half-way, the next run (or the next night) writes the day again.
 */
export const snapshotAllHealth = async (now = new Date()): Promise<{ companies: number }> => {
  let companies = 0;
  let page: Record<string, unknown>[] = [];
  const flush = async () => {
    if (!page.length) return;
    const ids = page.map((c) => String(c.id));
    const signals = await batchGet(ids.flatMap((id) => [...SIGNAL_KINDS.map((k) => keys.healthSignal(id, k)), ...engagementKeys(id, now)]), { consistent: false });
    // Through the same "the day's latest computation wins" condition as a signal's snapshot, 25 at a time.
    for (let i = 0; i < page.length; i += 25) {
      await Promise.all(page.slice(i, i + 25).map((c) => keepSnapshot(String(c.id), healthOf([c, ...signals.filter((sg) => sg.pk === c.pk)], String(c.id), now))));
    }
    companies += page.length;
    page = [];
  };
  for await (const company of readIndexAll({ index: 'gsi1', partitions: keys.companyListPartitions('active') })) {
    if (company.status !== 'active') continue;
    page.push(company);
    if (page.length === 100) await flush();
  }
  await flush();
  return { companies };
};

/** A newer signal of the kind is already in. */
class OlderSignal extends Error {}
