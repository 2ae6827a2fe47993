/**
 * The one rule of what a contact adds to its company's counters (shared/contacts/contact-counts.ts),
 * and the deltas every write takes from it: an unmarked contact (written before `activeContacts`)
 * is not in `activeContacts` yet, so a write that marks it adds it there if it is active.
 */
import { describe, expect, it } from 'vitest';
import { contactCounts, contactDelta, counted, type Countable } from '../../shared/contacts/contact-counts';

const c = (companyId: string | null, status: 'active' | 'inactive', activeCounted?: boolean): Countable => ({ companyId, status, ...(activeCounted === undefined ? {} : { activeCounted }) });

describe('contactCounts', () => {
  it('is one contact, and one active contact only when active and counted', () => {
    expect(contactCounts(c('A', 'active', true))).toEqual({ contacts: 1, activeContacts: 1, portalContacts: 0 });
    expect(contactCounts(c('A', 'inactive', true))).toEqual({ contacts: 1, activeContacts: 0, portalContacts: 0 });
    expect(contactCounts(c('A', 'active'))).toEqual({ contacts: 1, activeContacts: 0, portalContacts: 0 });
  });

  it('is one portal contact only when active, set up in the portal, and counted as such', () => {
    const portal = (status: string, portalCounted?: boolean): Countable => ({ companyId: 'A', status: 'active', activeCounted: true, portal: { status }, ...(portalCounted === undefined ? {} : { portalCounted }) });
    expect(contactCounts(portal('active', true)).portalContacts).toBe(1);
    expect(contactCounts(portal('invited', true)).portalContacts).toBe(0);
    expect(contactCounts(portal('active')).portalContacts).toBe(0);
    expect(contactCounts({ ...portal('active', true), status: 'inactive' }).portalContacts).toBe(0);
    // A deactivation ends its portal access in the counter too.
    expect(contactDelta('A', portal('active', true), { ...portal('active', true), status: 'inactive' })).toEqual({ activeContacts: -1, portalContacts: -1 });
  });
});

describe('contactDelta', () => {
  it('follows a create, a delete, a status change and a move, per company', () => {
    expect(contactDelta('A', undefined, c('A', 'active', true))).toEqual({ contacts: 1, activeContacts: 1 });
    expect(contactDelta('A', c('A', 'inactive', true), undefined)).toEqual({ contacts: -1 });
    expect(contactDelta('A', c('A', 'active', true), c('A', 'inactive', true))).toEqual({ activeContacts: -1 });
    expect(contactDelta('A', c('A', 'active', true), c('B', 'active', true))).toEqual({ contacts: -1, activeContacts: -1 });
    expect(contactDelta('B', c('A', 'active', true), c('B', 'active', true))).toEqual({ contacts: 1, activeContacts: 1 });
    expect(contactDelta('A', c('A', 'active', true), c('A', 'active', true))).toEqual({});
  });

  it('counts a contact from before the counter once, when a write first marks it', () => {
    const old = c('A', 'active');
    expect(contactDelta('A', old, counted({ ...old, status: 'active' }))).toEqual({ activeContacts: 1 });
    expect(contactDelta('A', old, counted({ ...old, status: 'inactive' }))).toEqual({});
    expect(contactDelta('A', old, undefined)).toEqual({ contacts: -1 });
    expect(contactDelta('A', old, counted({ ...old, companyId: 'B' }))).toEqual({ contacts: -1 });
    expect(contactDelta('B', old, counted({ ...old, companyId: 'B' }))).toEqual({ contacts: 1, activeContacts: 1 });
  });
});
