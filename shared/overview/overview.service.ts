/**
 * Onboarding and the Client 360 (API.md v1.1). The 360 gives the account manager the whole
 * client on one screen in at most three DynamoDB requests, because what it shows is kept on the
 * company's partition by the changes it summarises (counters written in each change's own
 * transaction, settings and signals on the partition): (1) one BatchGetItem of the company item,
 * its three latest signals and the default SLA policy's pointer, beside (2) one Query of the
 * company's contracts on GSI1, then (3) one BatchGetItem of those contracts.
 */
import { companyFromItem } from '../companies/company.repository';
import type { Company } from '../companies/company.schema';
import { listCompanyContracts } from '../contracts/contract.repository';
import type { Contract } from '../billing/contract.schema';
import { noticeDeadline } from '../billing/periods';
import { mspToday } from '../billing/msp-defaults';
import { batchGet } from '../db/batch';
import { keys } from '../db/keys';
import { NotFoundError } from '../http/errors';
import { healthKeys, healthOf, type Health } from '../health/health.service';
import { defaultPolicyOf } from '../sla/sla-policy.repository';
import { onboarding, type Onboarding } from './onboarding';

/** Contracts the overview shows: a company has a handful; past this many the list says so. */
const CONTRACTS_SHOWN = 100;

const read = async (companyId: string) => {
  const [items, contracts] = await Promise.all([
    batchGet([...healthKeys(companyId), keys.slaDefault()], { consistent: false }),
    listCompanyContracts(companyId, undefined, CONTRACTS_SHOWN),
  ]);
  const company = items.find((i) => i.pk === keys.company(companyId).pk && i.sk === keys.company(companyId).sk);
  if (!company) throw new NotFoundError('company');
  const pointer = defaultPolicyOf(items.find((i) => i.pk === keys.slaDefault().pk));
  const active = contracts.items.filter((c) => c.status === 'active');
  return { items, company, active, contracts, defaultPolicyName: pointer.policy?.name ?? null };
};

export const companyOnboarding = async (companyId: string): Promise<Onboarding> => {
  const r = await read(companyId);
  return onboarding({ company: r.company, activeContracts: r.active.length, defaultPolicyName: r.defaultPolicyName });
};

export interface Overview {
  company: Company;
  tickets: { open: number; breached: number };
  contracts: {
    active: Pick<Contract, 'id' | 'name' | 'type' | 'startDate' | 'endDate' | 'autoRenew' | 'billingFrequency' | 'currency'>[];
    more: boolean;
    nextRenewal: { contractId: string; name: string; endDate: string; autoRenew: boolean; noticeDeadline: string } | null;
  };
  outstandingBalance: Company['outstandingBalance'];
  health: Health;
  onboarding: Onboarding;
  integrations: Company['integrations'];
}

export const companyOverview = async (companyId: string): Promise<Overview> => {
  const r = await read(companyId);
  const company = companyFromItem(r.company);
  const counts = (r.company.counts ?? {}) as Record<string, number>;
  const today = mspToday();
  const renewing = r.active.filter((c) => c.endDate && c.endDate >= today).sort((a, b) => a.endDate!.localeCompare(b.endDate!))[0];
  return {
    company,
    tickets: { open: counts.openTickets ?? 0, breached: counts.slaBreachedOpen ?? 0 },
    contracts: {
      active: r.active.map(({ id, name, type, startDate, endDate, autoRenew, billingFrequency, currency }) => ({ id, name, type, startDate, endDate, autoRenew, billingFrequency, currency })),
      more: r.contracts.nextCursor !== null,
      nextRenewal: renewing ? { contractId: renewing.id, name: renewing.name, endDate: renewing.endDate!, autoRenew: renewing.autoRenew, noticeDeadline: noticeDeadline(renewing.endDate!, renewing.noticeDays) } : null,
    },
    outstandingBalance: company.outstandingBalance,
    health: healthOf(r.items, companyId),
    onboarding: onboarding({ company: r.company, activeContracts: r.active.length, defaultPolicyName: r.defaultPolicyName }),
    integrations: company.integrations,
  };
};
