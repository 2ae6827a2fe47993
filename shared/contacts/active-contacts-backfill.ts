/**
 * Counts the contacts written before a contact counter existed (contact-counts.ts):
 * `counts.activeContacts` (marker `activeCounted`) and `counts.portalContacts` (marker
 * `portalCounted`). Every contact (the `CONTACTS` listing on GSI2, page by page) that lacks a
 * marker gets, in one transaction, the markers it lacks at the version read, still lacking them,
 * and, when it has a company, the `ADD` of what those counters count of it on that company,
 * whatever its status (an archived company's contacts are counted too: this counts what is
 * there, it changes no company). A contact changed meanwhile is read again (a write has marked
 * and counted it); one deleted meanwhile is skipped, and so is one whose company is gone (its
 * permanent delete's cleanup unassigns and marks it). Like the contact search backfill
 * (contact-search-backfill.ts): safe to run again, and while the API runs.
 */
import { companyCounter } from '../companies/company.repository';
import { negate, sumDeltas } from '../db/counters';
import { readIndexAll } from '../db/index-read';
import { keys } from '../db/keys';
import { recordMigration } from '../db/migrations';
import { retryOnStaleRead } from '../db/optimistic';
import { retryPolicies } from '../db/retry';
import { transact } from '../db/transact';
import { updateItem } from '../db/update';
import { NotFoundError, StaleReadError } from '../http/errors';
import { CONTACT_MARKERS, contactCounts } from './contact-counts';
import { getContact, markerAsRead, type ContactRecord } from './contact.repository';

const ATTEMPTS = 5;
/** Contacts marked at once: contacts of one company share its item, and their transactions then collide (retried by `transact`). */
const IN_FLIGHT = 8;
export const ACTIVE_CONTACTS_MIGRATION = 'active-contacts';
/** The same backfill again for the portal-contacts counter (issue 17), on a table the first one already ran on. */
export const PORTAL_CONTACTS_MIGRATION = 'portal-contacts';

const missingMarkers = (c: ContactRecord) => CONTACT_MARKERS.filter((m) => (c as unknown as Record<string, unknown>)[m] !== true);

type Outcome = 'counted' | 'marked' | 'skipped';

export interface ActiveContactsBackfill {
  /** Contacts marked by this run (the ones that were not yet). */
  marked: number;
  /** Of those, the active ones added to their company's `activeContacts`. */
  counted: number;
}

/** One contact, at the version read and with its markers as read: the markers it lacks and what they add to its company's counters, in one transaction. */
const countOne = (first: ContactRecord): Promise<Outcome> =>
  retryOnStaleRead(
    async (n): Promise<Outcome> => {
      const c = n === 1 ? first : await getContact(first.id, true);
      const missing = c ? missingMarkers(c) : [];
      if (!c || !missing.length) return 'skipped';
      const marked = { ...c, ...Object.fromEntries(missing.map((m) => [m, true])) };
      const adds = c.companyId ? Object.fromEntries(Object.entries(sumDeltas(contactCounts(marked), negate(contactCounts(c)))).filter(([, v]) => v !== 0)) : {};
      try {
        await transact([
          {
            item: {
              Update: updateItem(keys.contact(c.id), { set: Object.fromEntries(missing.map((m) => [m, true])) }, { expression: `${markerAsRead(c)} AND version = :v`, values: { ':v': c.version } }),
            },
            onConditionFailed: (old) => (old ? new StaleReadError() : new NotFoundError('contact')),
          },
          ...(Object.keys(adds).length && c.companyId ? [companyCounter(c.companyId, adds)] : []),
        ]);
        return adds.activeContacts ? 'counted' : 'marked';
      } catch (err) {
        // The contact is gone, or its company is (a permanent delete whose cleanup will unassign and mark it).
        if (err instanceof NotFoundError) return 'skipped';
        throw err;
      }
    },
    {
      policy: { ...retryPolicies.staleRead, attempts: ATTEMPTS },
      onExhausted: () => {
        throw new Error(`Contact ${first.id} kept changing; run the backfill again`);
      },
    },
  );

/** Marks and counts every contact not yet counted; `onProgress` reports the totals every few hundred contacts read. */
export const backfillActiveContacts = async (
  onProgress: (done: ActiveContactsBackfill & { read: number }) => void = () => {},
  migration: string = ACTIVE_CONTACTS_MIGRATION,
): Promise<ActiveContactsBackfill> => {
  const totals = { read: 0, marked: 0, counted: 0 };
  const settle = async (pending: ContactRecord[]) => {
    for (const outcome of await Promise.all(pending.map(countOne))) {
      if (outcome !== 'skipped') totals.marked++;
      if (outcome === 'counted') totals.counted++;
    }
  };
  let pending: ContactRecord[] = [];
  for await (const item of readIndexAll({ index: 'gsi2', partitions: keys.allContactsPartitions() })) {
    totals.read++;
    const c = item as unknown as ContactRecord;
    if (missingMarkers(c).length) pending.push(c);
    if (pending.length >= IN_FLIGHT) await settle(pending.splice(0));
    if (totals.read % 500 === 0) onProgress({ ...totals });
  }
  await settle(pending);
  onProgress({ ...totals });
  const done = { marked: totals.marked, counted: totals.counted };
  await recordMigration(migration, done);
  return done;
};
