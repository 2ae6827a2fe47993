import { describe, expect, it } from 'vitest';
import { isEmpty, updateExpression } from '../../shared/db/update';

describe('updateExpression (shared/db/update.ts)', () => {
  it('writes SET, if_not_exists, ADD and REMOVE clauses with one name placeholder per segment', () => {
    const built = updateExpression({
      set: { status: 'inactive', 'portal.status': 'none', skipped: undefined },
      setIfMissing: { createdAt: 't0' },
      add: { 'counts.tickets': 2, version: 1 },
      remove: ['gsi2pk'],
    });
    expect(built.UpdateExpression).toBe(
      'SET #upd0 = :upd0, #upd1.#upd0 = :upd1, #upd2 = if_not_exists(#upd2, :upd2) ADD #upd3.#upd4 :upd3, #upd5 :upd4 REMOVE #upd6',
    );
    expect(built.ExpressionAttributeNames).toEqual({ '#upd0': 'status', '#upd1': 'portal', '#upd2': 'createdAt', '#upd3': 'counts', '#upd4': 'tickets', '#upd5': 'version', '#upd6': 'gsi2pk' });
    expect(built.ExpressionAttributeValues).toEqual({ ':upd0': 'inactive', ':upd1': 'none', ':upd2': 't0', ':upd3': 2, ':upd4': 1 });
    expect(built.ConditionExpression).toBeUndefined();
  });

  it("merges the condition's own placeholders and refuses ones that would collide", () => {
    const built = updateExpression({ set: { name: 'A' } }, { expression: 'version = :v AND #s = :active', names: { '#s': 'status' }, values: { ':v': 3, ':active': 'active' } });
    expect(built.ConditionExpression).toBe('version = :v AND #s = :active');
    expect(built.ExpressionAttributeNames).toEqual({ '#upd0': 'name', '#s': 'status' });
    expect(built.ExpressionAttributeValues).toEqual({ ':upd0': 'A', ':v': 3, ':active': 'active' });
    expect(() => updateExpression({ set: { a: 1 } }, { expression: 'x = :upd0', values: { ':upd0': 1 } })).toThrow(/reserved/);
  });

  it('refuses an empty change and a path changed twice', () => {
    expect(() => updateExpression({ set: { a: undefined } })).toThrow(/nothing to change/);
    expect(() => updateExpression({ set: { a: 1 }, add: { a: 1 } })).toThrow(/twice/);
    expect(isEmpty({ set: { a: undefined }, remove: [] })).toBe(true);
    expect(isEmpty({ add: { a: 0 } })).toBe(false);
  });
});
