/**
 * A contract's states, as pure functions of the contract (no I/O): the routes and the daily
 * schedule both change a contract only through these, so the rules are written once.
 *
 *   draft ──activate──► active ──(end date passed, no auto-renew)──► expired
 *     │                  │  ▲                                        │
 *     └──cancel──► cancelled ◄──cancel──┘  └──────renew──────────────┘
 *
 * Renewing extends `endDate` by `renewalTermMonths` on the contract's anchor (periods.ts
 * `extendTerm`); a contract whose closing invoice was made (`nextBillingDate` null) bills again
 * from the day after the old end.
 */
import { addDays } from '../billing/calendar';
import type { Contract, ContractStatus } from '../billing/contract.schema';
import { extendTerm, firstBillingDate } from '../billing/periods';
import { ConflictError } from '../http/errors';
import type { AuditAction } from '../audit/audit.schema';

export const CONTRACT_ACTIONS = ['activate', 'cancel', 'renew'] as const;
export type ContractAction = (typeof CONTRACT_ACTIONS)[number] | 'expire';

const FROM: Record<ContractAction, readonly ContractStatus[]> = {
  activate: ['draft'],
  cancel: ['draft', 'active'],
  renew: ['active', 'expired'],
  expire: ['active'],
};

export const AUDIT_OF: Record<ContractAction, AuditAction> = {
  activate: 'contract.activated',
  cancel: 'contract.cancelled',
  renew: 'contract.renewed',
  expire: 'contract.expired',
};

const invalid = (c: Contract, action: ContractAction, why = `a ${c.status} contract cannot be ${action === 'cancel' ? 'cancelled' : `${action}d`}`) =>
  new ConflictError('INVALID_STATE', `Contract ${c.id}: ${why}.`);

/** The contract after `action` (its version and `updatedAt` moved), or 409 INVALID_STATE. */
export const applyAction = (c: Contract, action: ContractAction, now: string): Contract => {
  if (!FROM[action].includes(c.status)) throw invalid(c, action);
  const next = { ...c, version: c.version + 1, updatedAt: now };
  switch (action) {
    case 'activate':
      return { ...next, status: 'active', nextBillingDate: firstBillingDate(c) };
    case 'cancel':
      return { ...next, status: 'cancelled' };
    case 'expire':
      return { ...next, status: 'expired' };
    case 'renew': {
      if (c.endDate === null) throw invalid(c, action, 'an open-ended contract has no end date to extend');
      return { ...next, status: 'active', endDate: extendTerm(c, c.renewalTermMonths), nextBillingDate: c.nextBillingDate ?? addDays(c.endDate, 1) };
    }
  }
};

/**
 * What the daily schedule does to an active contract whose `endDate` is before `today`: renew
 * it when it renews automatically (as many terms as it takes to reach today, so a missed day
 * catches up), else expire it; undefined when nothing is due.
 */
export const dueAction = (c: Contract, today: string): 'renew' | 'expire' | undefined => {
  if (c.status !== 'active' || c.endDate === null || c.endDate >= today) return undefined;
  return c.autoRenew ? 'renew' : 'expire';
};
