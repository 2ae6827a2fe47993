/**
 * The partner's customer tenants (Graph `/contracts`) and bulk creation of companies from them:
 * idempotent, and a name already taken is that tenant's error, not the batch's.
 */
import { ulid } from 'ulid';
import { appendAudit, diff } from '../audit/audit.repository';
import { putNewCompany } from '../companies/company.repository';
import { EDITABLE_FIELDS } from '../companies/company.schema';
import { newCompany } from '../companies/company.service';
import { transact } from '../db/transact';
import { ENV, requireEnv } from '../env';
import type { Caller } from '../http/caller';
import { ApiError } from '../http/errors';
import { enqueue } from '../outbox/outbox';
import { graphFor } from './m365.client';
import { getSyncState, newSyncJob, putSyncJob, tenantCompanies, tenantGuard } from './m365.repository';

interface Contract {
  customerId: string;
  displayName: string;
  defaultDomainName: string;
}

/** The partner's customer tenants (Graph `/contracts`, every page). */
const contracts = async (): Promise<Contract[]> => {
  const graph = graphFor(requireEnv(ENV.M365_PARTNER_TENANT_ID));
  const all: Contract[] = [];
  for (let url: string | undefined = '/contracts?$top=999'; url; ) {
    const page: { value: Contract[]; '@odata.nextLink'?: string } = await graph.get(url);
    all.push(...page.value);
    url = page['@odata.nextLink'];
  }
  return all;
};

export const listTenants = async () => {
  const all = await contracts();
  const linked = await tenantCompanies(all.map((c) => c.customerId));
  return { items: all.map((c) => ({ tenantId: c.customerId, displayName: c.displayName, defaultDomainName: c.defaultDomainName, companyId: linked.get(c.customerId) ?? null })) };
};

/** One company per chosen tenant, named from it; running it twice creates nothing twice. */
export const importTenants = async (caller: Caller, tenantIds: string[]) => {
  const all = new Map((await contracts()).map((c) => [c.customerId, c]));
  const linked = await tenantCompanies(tenantIds);
  const items = [];
  for (const tenantId of [...new Set(tenantIds)]) {
    const contract = all.get(tenantId);
    if (!contract) {
      items.push({ tenantId, companyId: null, jobId: null, error: 'Not one of the partner’s customer tenants' });
      continue;
    }
    const existing = linked.get(tenantId);
    if (existing) {
      const state = await getSyncState(existing);
      items.push({ tenantId, companyId: existing, jobId: state.activeJobId, error: null });
      continue;
    }
    const now = new Date().toISOString();
    const company = newCompany({ name: contract.displayName.trim().slice(0, 200), primaryDomain: contract.defaultDomainName.toLowerCase() }, now);
    company.integrations.m365 = { tenantId, lastSyncAt: null, lastSyncStatus: null };
    const job = newSyncJob(ulid(), company.id, tenantId);
    try {
      await transact([
        ...putNewCompany(company),
        tenantGuard(tenantId, company.id),
        ...putSyncJob(job),
        enqueue('m365-sync', { type: 'sync', jobId: job.id }),
        appendAudit({ companyId: company.id, actor: caller, action: 'company.created', reason: `Microsoft 365 tenant ${tenantId}`, changes: diff({}, company, EDITABLE_FIELDS), at: now }),
      ]);
      items.push({ tenantId, companyId: company.id, jobId: job.id, error: null });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      items.push({ tenantId, companyId: null, jobId: null, error: `${err.code}: ${err.message}` });
    }
  }
  return { items };
};

