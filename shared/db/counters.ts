/**
 * Relationship counters (`counts.tickets` on a company, `counts.assets` on a contact, …) are
 * changed only by `ADD` inside the transaction that changes what they count, so they never
 * drift, and never by a read-modify-write. The update also carries the referenced item's guard
 * (it exists, its company is active, …), so one item both checks and counts.
 */
import type { TxItem } from './transact';
import { conditionCheck, isEmpty, updateItem } from './update';

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
  const counts = Object.fromEntries(Object.entries(deltas).filter(([, v]) => v !== 0).map(([f, v]) => [`counts.${f}`, v]));
  const changes = { set: also.set, add: { ...counts, ...also.add } };
  const condition = { expression: guard.condition, names: guard.names, values: guard.values };
  if (isEmpty(changes)) return { item: { ConditionCheck: conditionCheck(key, condition) }, onConditionFailed: guard.onConditionFailed };
  return { item: { Update: updateItem(key, changes, condition) }, onConditionFailed: guard.onConditionFailed };
};
