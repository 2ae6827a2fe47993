/**
 * Writes at a named version (`If-Match: "n"` without a read, shared/http/concurrency.ts): what
 * the old item returned with a failed condition means, and the condition itself.
 */
import { describe, expect, it } from 'vitest';
import { AlreadyAsRequested, answerAtVersion, atVersion, versionIs } from '../../shared/http/concurrency';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../shared/http/errors';

describe('atVersion', () => {
  const archived = (old: Record<string, unknown>) => (old.status !== 'active' ? new ConflictError('COMPANY_ARCHIVED', 'archived') : undefined);
  const verdict = atVersion('company', 3, archived);

  it('is 404 without an item, 412 naming the current version when it is another one', () => {
    expect(verdict(undefined)).toBeInstanceOf(NotFoundError);
    const stale = verdict({ version: 5, status: 'active' });
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect((stale as PreconditionFailedError).current).toBe(5);
    expect(stale.message).toContain('(5)');
  });

  it('checks the version before the guard, as a read would: a stale client learns the version first', () => {
    expect(verdict({ version: 4, status: 'archived' })).toBeInstanceOf(PreconditionFailedError);
    expect(verdict({ version: 3, status: 'archived' })).toMatchObject({ code: 'COMPANY_ARCHIVED' });
  });

  it('at the version and past the guard, the record was already as requested: the item is the answer', () => {
    const item = { version: 3, status: 'active', phone: '1' };
    const out = verdict(item);
    expect(out).toBeInstanceOf(AlreadyAsRequested);
    expect((out as AlreadyAsRequested).item).toBe(item);
  });

  it('reads an item without a version as version 1', () => {
    expect(atVersion('address', 1)({ id: 'a' })).toBeInstanceOf(AlreadyAsRequested);
    expect(atVersion('address', 2)({ id: 'a' })).toMatchObject({ current: 1 });
  });
});

describe('versionIs', () => {
  it('requires the item and the version; version 1 also matches an item written before versions', () => {
    expect(versionIs(4)).toEqual({ expression: 'attribute_exists(pk) AND version = :ifMatch', values: { ':ifMatch': 4 } });
    expect(versionIs(1).expression).toBe('attribute_exists(pk) AND (attribute_not_exists(version) OR version = :ifMatch)');
  });
});

describe('answerAtVersion', () => {
  it('reads after a commit, answers from the returned item when nothing would change, and lets every other failure through', async () => {
    let reads = 0;
    const readAfter = async () => (reads++, { from: 'read' });
    const fromItem = (item: Record<string, unknown>) => ({ from: 'item', ...item });
    expect(await answerAtVersion(3, 'representation', async () => {}, fromItem, readAfter)).toEqual({ from: 'read' });
    expect(reads).toBe(1);
    expect(await answerAtVersion(3, 'representation', () => Promise.reject(new AlreadyAsRequested({ version: 3 })), fromItem, readAfter)).toEqual({ from: 'item', version: 3 });
    await expect(answerAtVersion(3, 'representation', () => Promise.reject(new PreconditionFailedError(4)), fromItem, readAfter)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(reads).toBe(1);
  });

  it('with no representation wanted (Prefer: return=minimal), a commit answers the version it wrote and reads nothing', async () => {
    let reads = 0;
    const readAfter = async () => (reads++, { from: 'read' });
    const fromItem = (item: Record<string, unknown>) => ({ from: 'item', ...item });
    expect(await answerAtVersion(3, 'minimal', async () => {}, fromItem, readAfter)).toEqual({ version: 4 });
    expect(await answerAtVersion(3, 'minimal', () => Promise.reject(new AlreadyAsRequested({ version: 3 })), fromItem, readAfter)).toEqual({ from: 'item', version: 3 });
    expect(reads).toBe(0);
  });
});
