/**
 * Optimistic concurrency, one rule for every versioned resource (companies, contacts,
 * addresses, tickets, assets, invoices). An edit is based on one version: the one `If-Match`
 * names, or else the first one the service reads. A write that finds another version has lost
 * a race and changes nothing: `412 VERSION_MISMATCH` when the client named the version,
 * `409 CONCURRENT_CHANGE` when it did not.
 *
 * The edit is never re-applied to the newer record: whether that is safe depends on what the
 * client saw when it decided on the edit, which only `If-Match` tells, so re-applying it would
 * overwrite, unseen, a change its author never read. Races on *other* items (a billing pointer,
 * a company's primary contact) may still be retried, because every retry checks the edited
 * item again and gives up the moment its version moved.
 *
 * With a numeric `If-Match` the version is known before anything is read, so where the change
 * can be built from the request alone (`atVersion`) the service writes at once: the write's
 * condition is the version check, and the item DynamoDB returns when it fails (ALL_OLD) tells
 * 404, the state guard (409 COMPANY_ARCHIVED), 412 with the current version, or a change that
 * would change nothing, apart. Nothing is read before the write, so nothing is re-applied to a
 * newer record: the condition names the client's version, not one this request read.
 */
import { concurrentChange, NotFoundError, PreconditionFailedError } from './errors';

export interface VersionBase {
  /** Checks the version just read: the first read fixes the base when `If-Match` named none. */
  check(current: number): void;
  /** Runs the conditional write; a failed version condition becomes the 409 or 412 above. */
  write<T>(write: Promise<T>): Promise<T>;
}

export const versionBase = (ifMatch: number | '*' | undefined): VersionBase => {
  // `If-Match: *` only asks that the resource exists; it names no version to be stale against.
  const named = typeof ifMatch === 'number';
  let base: number | undefined = named ? ifMatch : undefined;
  const lost = (current: number) => (named ? new PreconditionFailedError(current) : concurrentChange());
  return {
    check(current) {
      if (base === undefined) base = current;
      else if (current !== base) throw lost(current);
    },
    async write(write) {
      try {
        return await write;
      } catch (err) {
        if (err instanceof PreconditionFailedError) throw lost(err.current);
        throw err;
      }
    },
  };
};

/**
 * A write at a named version found the record at that version and already as the request
 * would leave it (the `anyDiffers` part of its condition failed): nothing was written, and
 * `item` (the stored item, ALL_OLD) is the answer.
 */
export class AlreadyAsRequested extends Error {
  constructor(readonly item: Record<string, unknown>) {
    super('The record is already as requested');
    this.name = 'AlreadyAsRequested';
  }
}

/**
 * What a failed write at version `ifMatch` means, from the item as it was (ALL_OLD): no item is
 * 404; another version is 412 with it (checked first, as a read would: a client that has not
 * seen the current version learns it before anything else); then `guard` (e.g. an archived
 * company: 409); else the record was at that version and already as requested.
 * Items written before they had a version are at version 1.
 */
export const atVersion =
  (what: string, ifMatch: number, guard?: (old: Record<string, unknown>) => Error | undefined) =>
  (old: Record<string, unknown> | undefined): Error => {
    if (!old) return new NotFoundError(what);
    const current = Number(old.version ?? 1);
    if (current !== ifMatch) return new PreconditionFailedError(current);
    return guard?.(old) ?? new AlreadyAsRequested(old);
  };

/** The condition "the item exists and is at `ifMatch`" (an item without a version is at 1). */
export const versionIs = (ifMatch: number) => ({
  expression: ifMatch === 1 ? 'attribute_exists(pk) AND (attribute_not_exists(version) OR version = :ifMatch)' : 'attribute_exists(pk) AND version = :ifMatch',
  values: { ':ifMatch': ifMatch },
});

/** What a change is answered with: the resource (read after a write at a named version), or its version only (`Prefer: return=minimal`). */
export type Answer = 'representation' | 'minimal';
/** The version a change left the resource at, when the client asked for no representation. */
export interface VersionOnly {
  version: number;
}

/**
 * The answer to a write at version `ifMatch`: the record read once after the commit (a
 * transaction returns no item), or, when the client asked for no representation, the version
 * the write set (`ifMatch + 1`: the whole change is then one request); when the record was
 * already as requested, the item the failed condition returned (nothing written, nothing read).
 */
export const answerAtVersion = async <T>(
  ifMatch: number,
  answer: Answer,
  write: () => Promise<void>,
  fromItem: (item: Record<string, unknown>) => T,
  readAfter: () => Promise<T>,
): Promise<T | VersionOnly> => {
  try {
    await write();
  } catch (err) {
    if (err instanceof AlreadyAsRequested) return fromItem(err.item);
    throw err;
  }
  return answer === 'minimal' ? { version: ifMatch + 1 } : readAfter();
};
