/**
 * Billing-run items, and the transaction items of one invoice: the "billed period" key, the
 * contract's next billing date, the contract's unbilled months rewritten without what it bills,
 * and the run's counter. Keys from `db/keys.ts`.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { StaleReadError } from '../http/errors';
import { queuedLeaseAttributes } from '../jobs/lease-timing';
import type { BillableTime } from '../billing/time-usage';
import { UNBILLED_ATTRIBUTE_PREFIX, unbilledValue, type UnbilledValue } from '../time-entries/time-entry.repository';
import { MAX_RUN_ERRORS, type BillingRun, type BillingRunError } from './billing-run.schema';

const FIELDS = ['id', 'status', 'through', 'companyId', 'trigger', 'invoicesCreated', 'contractsSkipped', 'errors', 'startedAt', 'completedAt', 'createdAt'] as const;
export const runFromItem = (item: Record<string, unknown>): BillingRun => {
  const run = Object.fromEntries(FIELDS.map((f) => [f, item[f] ?? (f === 'errors' ? [] : null)])) as BillingRun;
  // A failure written from outside the worker (jobs/job-kinds.ts) shows as the run's last error.
  const failure = item.failure as { code: string; message: string } | undefined;
  return failure ? { ...run, errors: [...run.errors, { contractId: null, code: failure.code, message: failure.message }] } : run;
};

export const putNewRun = (run: BillingRun): TxItem => ({
  item: { Put: { TableName: tableName(), Item: { ...keys.billingRun(run.id), type: 'BillingRun', ...run, ...queuedLeaseAttributes('billing-run', run.id) }, ConditionExpression: 'attribute_not_exists(pk)' } },
});

/** The day's scheduled run, once: a second message of the same day finds it. */
export const claimScheduledRun = (date: string, runId: string): TxItem => ({
  item: { Put: { TableName: tableName(), Item: { ...keys.scheduledBillingRun(date), type: 'ScheduledBillingRun', runId }, ConditionExpression: 'attribute_not_exists(pk)' } },
  onConditionFailed: () => new ScheduledRunExists(),
});
export class ScheduledRunExists extends Error {}

export const getRun = async (id: string): Promise<(BillingRun & { cursor?: Record<string, unknown> }) | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.billingRun(id), ConsistentRead: true }));
  return out.Item ? { ...runFromItem(out.Item), cursor: out.Item.cursor as Record<string, unknown> | undefined } : undefined;
};

/** Running, since `startedAt` (the first start's time, kept by a resumed run). */
export const markRunStarted = (id: string, startedAt: string) => db().send(new UpdateCommand(updateItem(keys.billingRun(id), { set: { status: 'running', startedAt } })));

/**
 * A page of contracts done: the listing's position to resume from and the contracts it skipped,
 * with the errors met (the first `MAX_RUN_ERRORS` are kept), in one write.
 */
export const savePage = async (id: string, cursor: Record<string, unknown> | null, skipped: number, errors: BillingRunError[]) => {
  const run = await getRun(id);
  const room = Math.max(0, MAX_RUN_ERRORS - (run?.errors.length ?? 0));
  await db().send(
    new UpdateCommand(
      updateItem(keys.billingRun(id), {
        set: { cursor, ...(room && errors.length ? { errors: [...(run?.errors ?? []), ...errors.slice(0, room)] } : {}) },
        add: skipped ? { contractsSkipped: skipped } : {},
      }),
    ),
  );
};

export const markRunEnded = (id: string, status: 'completed' | 'failed', now: string) =>
  db().send(new UpdateCommand(updateItem(keys.billingRun(id), { set: { status, completedAt: now, cursor: null } })));

/** `invoicesCreated += 1`, in the invoice's transaction, so a run counts exactly what it made. */
export const countInvoice = (runId: string): TxItem => ({ item: { Update: updateItem(keys.billingRun(runId), { add: { invoicesCreated: 1 } }) } });

/** The invoice for this contract and period is new: its key goes in with it; another run made it already when this fails. */
export const claimBilledPeriod = (companyId: string, contractId: string, eventKey: string, invoiceId: string | null): TxItem => ({
  item: { Put: { TableName: tableName(), Item: { ...keys.billedPeriod(companyId, contractId, eventKey), type: 'BilledPeriod', contractId, invoiceId }, ConditionExpression: 'attribute_not_exists(pk)' } },
  onConditionFailed: () => new AlreadyBilled(),
});
export class AlreadyBilled extends Error {}

/** The contract moves on to its next billing date, at the version read and still active and due on this date. */
export const advanceContract = (contractId: string, version: number, billingDate: string, next: string | null, now: string): TxItem => ({
  item: {
    Update: updateItem(
      keys.contract(contractId),
      { set: { nextBillingDate: next, version: version + 1, updatedAt: now } },
      { expression: 'version = :v AND nextBillingDate = :due AND #status = :active', names: { '#status': 'status' }, values: { ':v': version, ':due': billingDate, ':active': 'active' } },
    ),
  },
  onConditionFailed: () => new StaleReadError(),
});

/** One month of a contract's unbilled time, as read. */
export interface UnbilledMonth {
  key: { pk: string; sk: string };
  v: number;
  base: Record<string, unknown>;
  entries: BillableTime[];
}

/** The contract's unbilled months (consistent): every billable entry not yet invoiced. */
export const readUnbilled = async (companyId: string, contractId: string): Promise<UnbilledMonth[]> => {
  const months: UnbilledMonth[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.company(companyId).pk, ':prefix': keys.unbilledTimePrefix(contractId) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const entries: BillableTime[] = [];
      const base: Record<string, unknown> = {};
      for (const [k, value] of Object.entries(item)) {
        if (k.startsWith(UNBILLED_ATTRIBUTE_PREFIX)) {
          const e = value as UnbilledValue;
          entries.push({ id: k.slice(UNBILLED_ATTRIBUTE_PREFIX.length), date: e.date, minutes: Number(e.minutes), billable: true, afterHours: e.afterHours === true, invoiceId: null });
        } else if (k !== 'v') base[k] = value;
      }
      months.push({ key: { pk: String(item.pk), sk: String(item.sk) }, v: Number(item.v ?? 0), base, entries });
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return months;
};

/**
 * Each month that held billed entries, rewritten without them at the `v` read (deleted when
 * none is left): an entry logged, changed or removed since makes the invoice's transaction fail
 * (read again, bill again); an entry billed here can no longer change (time-entry.repository).
 */
export const removeBilled = (months: readonly UnbilledMonth[], billed: ReadonlySet<string>): TxItem[] =>
  months
    .filter((m) => m.entries.some((e) => billed.has(e.id)))
    .map((m) => {
      const left = m.entries.filter((e) => !billed.has(e.id));
      const condition = { ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': m.v } };
      const item: TxItem['item'] = left.length
        ? { Put: { TableName: tableName(), Item: { ...m.base, ...m.key, v: m.v + 1, ...Object.fromEntries(left.map((e) => [`${UNBILLED_ATTRIBUTE_PREFIX}${e.id}`, unbilledValue(e)])) }, ...condition } }
        : { Delete: { TableName: tableName(), Key: m.key, ...condition } };
      return { item, onConditionFailed: () => new StaleReadError() };
    });

/** A billed entry carries its invoice (after the invoice's transaction, from its outbox message): once, its version moved on; again, nothing. */
export const stampEntry = (entryId: string, invoiceId: string, now: string) =>
  db()
    .send(
      new UpdateCommand(
        updateItem(
          keys.timeEntry(entryId),
          { set: { invoiceId, updatedAt: now }, add: { version: 1 } },
          { expression: 'attribute_exists(pk) AND (attribute_not_exists(invoiceId) OR invoiceId = :null)', values: { ':null': null } },
        ),
      ),
    )
    .catch((err: unknown) => {
      // Stamped already (a redelivered message), or deleted with its company since: nothing to do.
      if ((err as Error).name === 'ConditionalCheckFailedException') return;
      throw err;
    });
