/**
 * The inbound upsert by external id, one algorithm for companies and contacts (API.md "CRM
 * sync"; README "CRM sync: inbound upsert"). The outside system is the source of truth (seed
 * 001), so a lost race is read again and its values applied to what is there now, never
 * answered 409 CONCURRENT_CHANGE while retries remain:
 *
 * 1. the link (`keys.externalLink`) names a record that exists: update it;
 * 2. else the record holding the natural key (a company's name, a contact's email) is linked to
 *    it, in the transaction of its update, unless it is linked to another id of this system
 *    (409, the natural key's own "taken" code);
 * 3. else the record is created with its link in one transaction.
 *
 * The link's Put is conditional on the link as read (absent, or pointing at a record gone), so
 * of two upserts creating one external id one commits and the other reads again and updates.
 */
import { retryOnStaleRead } from '../db/optimistic';
import { retryPolicies } from '../db/retry';
import { transact, type TxItem } from '../db/transact';
import { ApiError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { getExternalLink, putExternalLink, type ExternalIds, type ExternalKind } from './external-link.repository';

export interface Upserted<T> {
  created: boolean;
  record: T;
}

export interface UpsertOps<T> {
  /** The record by id, strongly consistent. */
  get: (id: string) => Promise<T | undefined>;
  /** The id of the record holding the body's natural key, through its guard item. */
  naturalKeyOwner: () => Promise<string | undefined>;
  /** The natural key's "taken" error, and its code (a create that finds it taken reads again). */
  taken: () => ApiError;
  /** Creates the record; `link(id)` is the link item its transaction must hold. */
  create: (link: (recordId: string) => TxItem) => Promise<T>;
  /** Applies the body to `target` (read at its version); `link`, when set, is the link item its transaction must hold. */
  update: (target: T, link: TxItem | undefined) => Promise<T>;
}

/** A lost race: a record's version moved, a link or guard written meanwhile. */
const isStale = (err: unknown) => err instanceof StaleReadError || err instanceof PreconditionFailedError;

export const upsertByExternalId = <T extends { id: string; externalIds?: ExternalIds | null }>(
  ref: { system: string; kind: ExternalKind; externalId: string },
  ops: UpsertOps<T>,
): Promise<Upserted<T>> =>
  retryOnStaleRead(
    async () => {
      const linkedId = await getExternalLink(ref.system, ref.kind, ref.externalId);
      const linked = linkedId ? await ops.get(linkedId) : undefined;
      if (linked) return { created: false, record: await ops.update(linked, undefined) };
      // No link, or one to a record that no longer exists: replaced only as read.
      const link = (recordId: string) => putExternalLink(ref.system, ref.kind, ref.externalId, recordId, linkedId);
      const ownerId = await ops.naturalKeyOwner();
      if (ownerId) {
        const owner = await ops.get(ownerId);
        // The guard and its record are written and deleted together: read again.
        if (!owner) throw new StaleReadError();
        const held = owner.externalIds?.[ref.system];
        if (held !== undefined && held !== ref.externalId) throw ops.taken();
        return { created: false, record: await ops.update(owner, link(owner.id)) };
      }
      const taken = ops.taken().code;
      try {
        return { created: true, record: await ops.create(link) };
      } catch (err) {
        // Someone took the name or email since it was read: read again (link it, or 409 if it is another id's).
        if (err instanceof ApiError && err.code === taken) throw new StaleReadError();
        throw err;
      }
    },
    { policy: retryPolicies.hotItem, isStale },
  );

/** Commits an update's items with the link item (either may be missing); nothing to write: no request. */
export const writeUpsert = async (link: TxItem | undefined, items: TxItem[] | undefined): Promise<void> => {
  const all = [...(link ? [link] : []), ...(items ?? [])];
  if (all.length) await transact(all);
};

/** The record's links with this one set (a record stored before links has none). */
export const withLink = (externalIds: ExternalIds | null | undefined, system: string, externalId: string): ExternalIds => ({ ...externalIds, [system]: externalId });
