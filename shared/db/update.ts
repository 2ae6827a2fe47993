/**
 * The one update-expression builder. Repositories say what changes (`set`, `setIfMissing`,
 * `add`, `remove`) and under which condition; this writes the `UpdateExpression` with its
 * placeholder names and values, so no module hand-builds `#f = :f` strings or has to keep its
 * placeholders from colliding with a condition's.
 *
 *   updateItem(keys.contact(id), { set: { status: 'inactive', updatedAt: now }, add: { version: 1 } },
 *     { expression: 'version = :v', values: { ':v': 3 } })
 *
 * A dotted path names a map member (`counts.tickets`, `portal.status`); every segment gets its
 * own name placeholder, so reserved words (`status`, `name`, `counts`) need no care. A `set`
 * value of `undefined` is left out (the field is not touched); use `remove` to delete a field.
 */
import { tableName } from './client';

export interface Changes {
  /** `SET path = value`. */
  set?: Record<string, unknown>;
  /** `SET path = if_not_exists(path, value)`: written only when the item has no value there yet. */
  setIfMissing?: Record<string, unknown>;
  /** `ADD path n`: atomic increments (counters, versions); a missing number starts at 0. */
  add?: Record<string, number>;
  /**
   * `SET path = if_not_exists(path, missingAs) + by`: an increment where a missing number counts
   * as `missingAs`, not 0 (a version that items written before versions existed hold implicitly).
   */
  increment?: Record<string, { by: number; missingAs: number }>;
  /** `REMOVE path`. */
  remove?: readonly string[];
}

/** A condition in DynamoDB's own syntax with the placeholders it uses. */
export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface BuiltUpdate {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** The builder's own placeholders; a condition must not use these (checked). */
const NAME_PREFIX = '#upd';
const VALUE_PREFIX = ':upd';

export const updateExpression = (changes: Changes, condition?: Condition): BuiltUpdate => {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const nameOf = new Map<string, string>();
  const path = (p: string) =>
    p
      .split('.')
      .map((segment) => {
        if (!segment) throw new Error(`updateExpression: empty segment in path "${p}"`);
        let placeholder = nameOf.get(segment);
        if (!placeholder) {
          placeholder = `${NAME_PREFIX}${nameOf.size}`;
          nameOf.set(segment, placeholder);
          names[placeholder] = segment;
        }
        return placeholder;
      })
      .join('.');
  let v = 0;
  const value = (x: unknown) => {
    const placeholder = `${VALUE_PREFIX}${v++}`;
    values[placeholder] = x;
    return placeholder;
  };

  const seen = new Set<string>();
  const once = (p: string) => {
    if (seen.has(p)) throw new Error(`updateExpression: "${p}" is changed twice`);
    seen.add(p);
    return p;
  };
  const defined = (o: Record<string, unknown> | undefined) => Object.entries(o ?? {}).filter(([, x]) => x !== undefined);
  const sets = [
    ...defined(changes.set).map(([p, x]) => `${path(once(p))} = ${value(x)}`),
    ...defined(changes.setIfMissing).map(([p, x]) => {
      const placeholder = path(once(p));
      return `${placeholder} = if_not_exists(${placeholder}, ${value(x)})`;
    }),
  ];
  sets.push(
    ...Object.entries(changes.increment ?? {}).map(([p, { by, missingAs }]) => {
      const placeholder = path(once(p));
      return `${placeholder} = if_not_exists(${placeholder}, ${value(missingAs)}) + ${value(by)}`;
    }),
  );
  const adds = Object.entries(changes.add ?? {}).map(([p, n]) => `${path(once(p))} ${value(n)}`);
  const removes = (changes.remove ?? []).map((p) => path(once(p)));
  const clauses = [sets.length ? `SET ${sets.join(', ')}` : '', adds.length ? `ADD ${adds.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean);
  if (clauses.length === 0) throw new Error('updateExpression: nothing to change (use a ConditionCheck)');

  for (const k of [...Object.keys(condition?.names ?? {}), ...Object.keys(condition?.values ?? {})]) {
    if (k.startsWith(NAME_PREFIX) || k.startsWith(VALUE_PREFIX)) throw new Error(`updateExpression: the condition's placeholder ${k} is reserved for the builder`);
  }
  const allNames = { ...names, ...condition?.names };
  const allValues = { ...values, ...condition?.values };
  return {
    UpdateExpression: clauses.join(' '),
    ...(condition ? { ConditionExpression: condition.expression } : {}),
    ...(Object.keys(allNames).length ? { ExpressionAttributeNames: allNames } : {}),
    ...(Object.keys(allValues).length ? { ExpressionAttributeValues: allValues } : {}),
  };
};

/** The `Update` of a transaction item, or an UpdateCommand's input: this table, this key, these changes. */
export const updateItem = (key: Record<string, string>, changes: Changes, condition?: Condition) => ({
  TableName: tableName(),
  Key: key,
  ...updateExpression(changes, condition),
});

/** True when the changes would write nothing (callers then check with a ConditionCheck instead). */
export const isEmpty = (changes: Changes): boolean =>
  !Object.values(changes.set ?? {}).some((x) => x !== undefined) &&
  !Object.values(changes.setIfMissing ?? {}).some((x) => x !== undefined) &&
  Object.keys(changes.add ?? {}).length === 0 &&
  Object.keys(changes.increment ?? {}).length === 0 &&
  (changes.remove ?? []).length === 0;

/** A transaction's `ConditionCheck` on this table: the condition alone, no change. */
export const conditionCheck = (key: Record<string, string>, condition: Condition) => ({
  TableName: tableName(),
  Key: key,
  ConditionExpression: condition.expression,
  ...(condition.names && Object.keys(condition.names).length ? { ExpressionAttributeNames: condition.names } : {}),
  ...(condition.values && Object.keys(condition.values).length ? { ExpressionAttributeValues: condition.values } : {}),
});

/**
 * The conditions together (`(a) AND (b)`), their placeholders merged; two conditions that give
 * one placeholder different meanings are refused, so parts written apart cannot collide silently.
 */
export const allOf = (...conditions: (Condition | undefined)[]): Condition => {
  const parts = conditions.filter((c): c is Condition => !!c);
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const c of parts) {
    for (const [k, v] of Object.entries(c.names ?? {})) {
      if (k in names && names[k] !== v) throw new Error(`allOf: ${k} names both ${names[k]} and ${v}`);
      names[k] = v;
    }
    for (const [k, v] of Object.entries(c.values ?? {})) {
      if (k in values && JSON.stringify(values[k]) !== JSON.stringify(v)) throw new Error(`allOf: ${k} has two values`);
      values[k] = v;
    }
  }
  return { expression: parts.map((c) => (parts.length > 1 && !wrapped(c.expression) ? `(${c.expression})` : c.expression)).join(' AND '), names, values };
};

/** `(…)` as a whole: DynamoDB refuses redundant parentheses, so such a part is not wrapped again. */
const wrapped = (expression: string): boolean => {
  const e = expression.trim();
  if (!e.startsWith('(') || !e.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < e.length; i++) {
    if (e[i] === '(') depth++;
    else if (e[i] === ')' && --depth === 0 && i < e.length - 1) return false;
  }
  return true;
};

/**
 * True when at least one of `fields` (top-level) is not the given value (a missing attribute
 * differs from anything): with it an update that would change nothing fails its condition,
 * and the item it returns (ALL_OLD) is the answer, with no write, no version bump, no audit.
 * DynamoDB compares strings, numbers, null, lists and maps by value. Placeholders: `#dif<n>`, `:dif<n>`.
 */
export const anyDiffers = (fields: Record<string, unknown>): Condition => {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (entries.length === 0) throw new Error('anyDiffers: no field to compare');
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts = entries.map(([f, v], i) => {
    names[`#dif${i}`] = f;
    values[`:dif${i}`] = v;
    return `#dif${i} <> :dif${i}`;
  });
  return { expression: parts.join(' OR '), names, values };
};
