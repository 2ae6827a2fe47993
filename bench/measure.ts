/** Benchmark instruments: DynamoDB request and capacity counting on the shared client, percentiles. */
import { db } from '../shared/db/client';

export interface DbTally {
  calls: string[];
  capacity: number;
  writes: number;
  /** Items written inside TransactWriteItems: the records a run wrote. */
  txItems: number;
}

const WITH_CAPACITY = /^(GetItem|PutItem|UpdateItem|DeleteItem|Query|Scan|BatchGetItem|BatchWriteItem|TransactWriteItems|TransactGetItems)Command$/;
const WRITES = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/;

/** Counts every request the shared DynamoDB client sends, and the capacity DynamoDB says each consumed. */
export const tallyDb = () => {
  const tally: DbTally = { calls: [], capacity: 0, writes: 0, txItems: 0 };
  db().middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      const input = args.input as Record<string, unknown>;
      if (WITH_CAPACITY.test(name)) input.ReturnConsumedCapacity = 'TOTAL';
      const op = name.replace(/Command$/, '');
      tally.calls.push(op);
      if (WRITES.test(op)) tally.writes++;
      if (op === 'TransactWriteItems') tally.txItems += (input.TransactItems as unknown[] | undefined)?.length ?? 0;
      const out = await next(args);
      const cc = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
      for (const c of Array.isArray(cc) ? cc : cc ? [cc] : []) tally.capacity += c.CapacityUnits ?? 0;
      return out;
    },
    { step: 'initialize', name: 'bench-tally' },
  );
  return {
    tally,
    reset: () => {
      tally.calls = [];
      tally.capacity = 0;
      tally.writes = 0;
      tally.txItems = 0;
    },
  };
};

export const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** Rounds to two decimals for the report. */
export const ms = (n: number) => Math.round(n * 100) / 100;
