/** Promote an active company to a compliance organization, and archive that organization. */
import { appendAudit } from '../audit/audit.repository';
import { companyArchived, companyReference, getCompany } from '../companies/company.repository';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { NotFoundError } from '../http/errors';
import { retryOnStaleRead } from '../db/optimistic';
import { archiveComplianceOrganizationItem, getComplianceOrganization, putComplianceOrganization } from './compliance.repository';
import type { ComplianceOrganization } from './compliance.schema';

export const findComplianceOrganization = async (companyId: string): Promise<ComplianceOrganization> => {
  const org = await getComplianceOrganization(companyId);
  if (!org) throw new NotFoundError('compliance organization');
  return org;
};

/** Idempotent: an active organization is returned as it is. Refused for an archived company. */
export const promoteCompany = async (caller: Caller, companyId: string): Promise<{ org: ComplianceOrganization; created: boolean }> =>
  retryOnStaleRead(async () => {
    const company = await getCompany(companyId, true);
    if (!company) throw new NotFoundError('company');
    if (company.status !== 'active') throw companyArchived();
    const existing = await getComplianceOrganization(companyId);
    if (existing?.status === 'active') return { org: existing, created: false };
    const now = new Date().toISOString();
    const org: ComplianceOrganization = { companyId, status: 'active', promotedAt: now, archivedAt: null };
    await transact([
      putComplianceOrganization(org),
      companyReference(companyId, {}, { into: true }),
      appendAudit({ companyId, actor: caller, action: 'company.compliance_promoted', changes: { complianceOrganization: { from: existing?.status ?? null, to: 'active' } }, at: now }),
    ]);
    return { org, created: true };
  });

/** Idempotent; allowed on an archived company (it is what a permanent delete needs). */
export const archiveComplianceOrganization = async (caller: Caller, companyId: string): Promise<ComplianceOrganization> =>
  retryOnStaleRead(async () => {
    const org = await getComplianceOrganization(companyId);
    if (!org) throw new NotFoundError('compliance organization');
    if (org.status === 'archived') return org;
    const now = new Date().toISOString();
    await transact([
      archiveComplianceOrganizationItem(companyId, now),
      appendAudit({ companyId, actor: caller, action: 'company.compliance_archived', changes: { complianceOrganization: { from: 'active', to: 'archived' } }, at: now }),
    ]);
    return { ...org, status: 'archived', archivedAt: now };
  });
