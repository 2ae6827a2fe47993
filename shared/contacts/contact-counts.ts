/**
 * What a contact adds to its company's counters, said once: every path that creates, deletes,
 * moves or (de)activates a contact (API, CSV import, Microsoft 365 sync) writes the difference
 * between the contact's contribution before and after, by `ADD`, in the contact's own transaction.
 *
 * `activeContacts` came after the contacts themselves (the `per_user` billing quantity). A
 * contact item counts towards it only once it carries `activeCounted: true`: every write of a
 * contact sets it (with the difference it makes), and the one-off backfill
 * (`active-contacts-backfill.ts`) sets it on the contacts no write has touched since, adding
 * each active one to its company in the same transaction. A write's condition names the marker
 * as read, so the backfill and a write of the same contact never both count it.
 */
import { negate, sumDeltas, type CountDeltas } from '../db/counters';
import type { ContactStatus } from './contact.schema';

/** The contact attribute that says its status is in its company's `counts.activeContacts`. */
export const ACTIVE_COUNTED = 'activeCounted';
/** The contact attribute that says its portal access is in its company's `counts.portalContacts` (issue 17: onboarding's portal step). */
export const PORTAL_COUNTED = 'portalCounted';
/** Every marker a contact write sets (the backfill sets the ones a contact lacks). */
export const CONTACT_MARKERS = [ACTIVE_COUNTED, PORTAL_COUNTED] as const;

export interface Countable {
  companyId: string | null;
  status: ContactStatus;
  portal?: { status?: string } | null;
  activeCounted?: boolean;
  portalCounted?: boolean;
}

/**
 * The rule: one contact; one active contact if it is active; one portal contact if it is active
 * and can log in to the portal (its set-up done); each only once the contact is counted as such.
 */
export const contactCounts = (c: Countable): CountDeltas => ({
  contacts: 1,
  activeContacts: c.status === 'active' && c.activeCounted === true ? 1 : 0,
  portalContacts: c.status === 'active' && c.portal?.status === 'active' && c.portalCounted === true ? 1 : 0,
});

/**
 * How `companyId`'s counters change when a contact goes from `before` to `after` (`undefined`:
 * it did not exist yet / no longer exists); only non-zero deltas are kept.
 */
export const contactDelta = (companyId: string, before: Countable | undefined, after: Countable | undefined): CountDeltas =>
  sumDeltas(after?.companyId === companyId ? contactCounts(after) : {}, negate(before?.companyId === companyId ? contactCounts(before) : {}));

/** The contact as a write leaves it: counted. */
export const counted = <T extends Countable>(c: T): T => ({ ...c, activeCounted: true, portalCounted: true });
