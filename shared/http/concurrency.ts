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
 */
import { concurrentChange, PreconditionFailedError } from './errors';

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
