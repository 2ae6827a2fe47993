/**
 * Microsoft 365 links and sync requests: admin consent for one company (signed, expiring,
 * single-use `state`), bulk creation of companies from the partner's customer tenants
 * (idempotent; a name already taken is that tenant's error), and sync jobs (one at a time per
 * company; the scheduler queues every linked active company).
 */
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { appendAudit } from '../audit/audit.repository';
import { companyArchived, getCompany } from '../companies/company.repository';
import type { Company } from '../companies/company.schema';
import { sign, verify } from '../crypto/signing';
import { readIndexAll } from '../db/index-read';
import { keys } from '../db/keys';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors';
import { retryOnStaleRead } from '../db/optimistic';
import { enqueue } from '../outbox/outbox';
import { adminConsentUrl } from './m365.consent-url';
import { consumeNonce, getSyncState, newSyncJob, putSyncJob, setCompanyTenant, tenantGuard } from './m365.repository';

const STATE_PURPOSE = 'm365-consent';
const STATE_TTL_SECONDS = 30 * 60;

export const consentUrl = async (companyId: string): Promise<string> => {
  const company = await getCompany(companyId);
  if (!company) throw new NotFoundError('company');
  if (company.status !== 'active') throw companyArchived();
  const state = await sign(STATE_PURPOSE, { c: companyId, n: randomBytes(12).toString('base64url'), e: Math.floor(Date.now() / 1000) + STATE_TTL_SECONDS });
  return adminConsentUrl(state);
};

const invalidState = (detail: string) => new BadRequestError('INVALID_STATE', detail, [{ in: 'query', path: 'state', message: 'Invalid state' }]);

/**
 * Microsoft's redirect: a forged, expired or replayed state, or a refusal, links nothing. The
 * tenant guard, the company's integration, the consumed nonce, the audit entry and the first
 * sync job are one transaction.
 */
export const completeConsent = async (query: { tenant?: string; admin_consent?: string; state?: string; error?: string; error_description?: string }) => {
  const state = query.state ? ((await verify(STATE_PURPOSE, query.state)) as { c?: string; n?: string; e?: number } | undefined) : undefined;
  if (!state?.c || !state.n || !state.e) throw invalidState('The consent link is not one Clientele issued.');
  if (state.e < Date.now() / 1000) throw invalidState('The consent link has expired; ask for a new one.');
  if (query.error) throw new BadRequestError('M365_CONSENT_DENIED', `Microsoft 365 consent was not granted: ${query.error_description ?? query.error}`);
  if (query.admin_consent?.toLowerCase() !== 'true' || !query.tenant || !/^[0-9a-f-]{36}$/i.test(query.tenant)) throw new BadRequestError('M365_CONSENT_DENIED', 'Microsoft did not confirm admin consent for a tenant.');
  const company = await getCompany(state.c, true);
  if (!company) throw new NotFoundError('company');
  const job = await linkTenant(company, query.tenant, { sub: 'm365-consent', email: null }, consumeNonce(state.n, state.e));
  return { companyId: company.id, tenantId: query.tenant, jobId: job };
};

/** Links a tenant to a company and queues its first sync; returns the job id. */
const linkTenant = async (company: Company, tenantId: string, actor: Pick<Caller, 'sub' | 'email'>, ...first: Parameters<typeof transact>[0]): Promise<string> => {
  const now = new Date().toISOString();
  // Consent again for a linked company while its sync runs: link (no-op) and report that job.
  const { activeJobId } = await getSyncState(company.id);
  const job = activeJobId ? undefined : newSyncJob(ulid(), company.id, tenantId);
  await transact([
    // Listed first: a replayed state is reported as such, whatever else would fail.
    ...first,
    tenantGuard(tenantId, company.id),
    setCompanyTenant(company.id, tenantId),
    ...(job ? [...putSyncJob(job), enqueue('m365-sync', { type: 'sync', jobId: job.id })] : []),
    appendAudit({ companyId: company.id, actor, action: 'company.integration_linked', changes: { 'integrations.m365.tenantId': { from: company.integrations.m365?.tenantId ?? null, to: tenantId } }, at: now }),
  ]);
  return job?.id ?? activeJobId!;
};

/**
 * Queues a sync; a sync already queued or running for the company is returned instead. Two
 * requests at once: the loser's marker condition fails (`StaleReadError`), and it reads again
 * and returns the winner's job.
 */
export const requestSync = (companyId: string): Promise<string> =>
  retryOnStaleRead(async () => {
    const company = await getCompany(companyId, true);
    if (!company) throw new NotFoundError('company');
    if (company.status !== 'active') throw companyArchived();
    const tenantId = company.integrations.m365?.tenantId;
    if (!tenantId) throw new ConflictError('M365_NOT_LINKED', 'The company is not linked to a Microsoft 365 tenant; connect it first.');
    const state = await getSyncState(companyId);
    if (state.activeJobId) return state.activeJobId;
    const job = newSyncJob(ulid(), companyId, tenantId);
    await transact([...putSyncJob(job), enqueue('m365-sync', { type: 'sync', jobId: job.id })]);
    return job.id;
  });

/** The scheduled sync: every active company with a linked tenant (archived ones are never synced). */
export const syncAllLinked = async (): Promise<number> => {
  let queued = 0;
  for await (const c of readIndexAll({ index: 'gsi1', partitions: keys.companyListPartitions('active') })) {
    if (!(c.integrations as { m365?: { tenantId?: string } } | undefined)?.m365?.tenantId) continue;
    await requestSync(c.id as string);
    queued++;
  }
  return queued;
};
