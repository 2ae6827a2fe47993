/**
 * Relationship counters (`counts.tickets` on a company, `counts.assets` on a contact, …) are
 * changed only by `ADD` inside the transaction that changes what they count, so they never
 * drift, and never by a read-modify-write. The update also carries the referenced item's guard
 * (it exists, its company is active, …), so one item both checks and counts.
 */
import type { TxItem } from './transact';
import { tableName } from './client';

export type CountDeltas = Record<string, number>;

export interface Guard {
  condition: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
  onConditionFailed: (old: Record<string, unknown> | undefined) => Error;
}

/** Sums deltas per field, dropping zeros. */
export const sumDeltas = (...all: CountDeltas[]): CountDeltas => {
  const out: CountDeltas = {};
  for (const d of all) for (const [k, v] of Object.entries(d)) out[k] = (out[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== 0));
};

export const negate = (d: CountDeltas): CountDeltas => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, -v]));

/** Other changes to the same item in the same update (e.g. clearing a primary contact). */
export interface AlsoSet {
  set?: Record<string, unknown>;
  add?: Record<string, number>;
}

/**
 * One transaction item on `key`: `ADD counts.<f> :n` for each delta (and `also`), under `guard`;
 * a bare ConditionCheck when nothing changes.
 */
export const countAndGuard = (key: Record<string, string>, deltas: CountDeltas, guard: Guard, also: AlsoSet = {}): TxItem => {
  const fields = Object.entries(deltas).filter(([, v]) => v !== 0);
  const names = { ...guard.names };
  const values = { ...guard.values };
  const sets = Object.entries(also.set ?? {});
  const plainAdds = Object.entries(also.add ?? {});
  if (fields.length === 0 && sets.length === 0 && plainAdds.length === 0) {
    return {
      item: {
        ConditionCheck: {
          TableName: tableName(),
          Key: key,
          ConditionExpression: guard.condition,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        },
      },
      onConditionFailed: guard.onConditionFailed,
    };
  }
  const adds = fields.map(([f, v], i) => {
    names['#counts'] = 'counts';
    names[`#c${i}`] = f;
    values[`:c${i}`] = v;
    return `#counts.#c${i} :c${i}`;
  });
  plainAdds.forEach(([f, v], i) => {
    names[`#a${i}`] = f;
    values[`:a${i}`] = v;
    adds.push(`#a${i} :a${i}`);
  });
  const assignments = sets.map(([f, v], i) => {
    names[`#s${i}`] = f;
    values[`:s${i}`] = v;
    return `#s${i} = :s${i}`;
  });
  const expression = [assignments.length ? `SET ${assignments.join(', ')}` : '', adds.length ? `ADD ${adds.join(', ')}` : ''].filter(Boolean).join(' ');
  return {
    item: {
      Update: {
        TableName: tableName(),
        Key: key,
        UpdateExpression: expression,
        ConditionExpression: guard.condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    onConditionFailed: guard.onConditionFailed,
  };
};
