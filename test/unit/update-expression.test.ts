import { describe, expect, it } from 'vitest';
import { allOf, anyDiffers, isEmpty, updateExpression } from '../../shared/db/update';

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

describe('builder extensions', () => {
  it('increments from a stated value when the attribute is missing (versions of items written before versions)', () => {
    const built = updateExpression({ set: { isBilling: false }, increment: { version: { by: 1, missingAs: 1 } } });
    expect(built.UpdateExpression).toBe('SET #upd0 = :upd0, #upd1 = if_not_exists(#upd1, :upd1) + :upd2');
    expect(built.ExpressionAttributeValues).toEqual({ ':upd0': false, ':upd1': 1, ':upd2': 1 });
    expect(isEmpty({ increment: { version: { by: 1, missingAs: 1 } } })).toBe(false);
  });

  it('joins conditions with their placeholders, refusing one placeholder with two meanings', () => {
    const c = allOf({ expression: 'version = :v', values: { ':v': 3 } }, undefined, { expression: '#s = :a', names: { '#s': 'status' }, values: { ':a': 'active' } });
    expect(c).toEqual({ expression: '(version = :v) AND (#s = :a)', names: { '#s': 'status' }, values: { ':v': 3, ':a': 'active' } });
    expect(allOf({ expression: 'a = :x', values: { ':x': 1 } }).expression).toBe('a = :x');
    // DynamoDB refuses redundant parentheses: a part already wrapped as a whole is not wrapped again.
    expect(allOf({ expression: 'a = :x' }, { expression: '(b = :y OR c = :z)' }).expression).toBe('(a = :x) AND (b = :y OR c = :z)');
    expect(allOf({ expression: 'a = :x' }, { expression: '(b = :y) OR (c = :z)' }).expression).toBe('(a = :x) AND ((b = :y) OR (c = :z))');
    expect(() => allOf({ expression: 'a = :x', values: { ':x': 1 } }, { expression: 'b = :x', values: { ':x': 2 } })).toThrow(/two values/);
    expect(() => allOf({ expression: '#n = :x', names: { '#n': 'a' } }, { expression: '#n = :y', names: { '#n': 'b' } })).toThrow(/names both/);
  });

  it('says "some field differs" for the sent fields, leaving out undefined ones', () => {
    expect(anyDiffers({ phone: '1', tags: [], notes: null, skipped: undefined })).toEqual({
      expression: '#dif0 <> :dif0 OR #dif1 <> :dif1 OR #dif2 <> :dif2',
      names: { '#dif0': 'phone', '#dif1': 'tags', '#dif2': 'notes' },
      values: { ':dif0': '1', ':dif1': [], ':dif2': null },
    });
    expect(() => anyDiffers({ a: undefined })).toThrow(/no field/);
    // Joined with a version check and given to the builder, the placeholders do not collide.
    const built = updateExpression({ set: { phone: '1', version: 4 } }, allOf({ expression: 'version = :ifMatch', values: { ':ifMatch': 3 } }, anyDiffers({ phone: '1' })));
    expect(built.ConditionExpression).toBe('(version = :ifMatch) AND (#dif0 <> :dif0)');
    expect(built.ExpressionAttributeNames).toEqual({ '#upd0': 'phone', '#upd1': 'version', '#dif0': 'phone' });
  });
});
