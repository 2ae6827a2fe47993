/**
 * Retiring a customer. Archive (reversible) hides the company from operational views, pauses
 * its portal and refuses new work; restore brings it back unchanged. Permanent delete
 * (SuperAdmin, archived only, confirmed by the exact name) re-checks every gate inside the
 * transaction that deletes, then a worker unassigns or deletes what was tied to the company,
 * resumably. Every step writes its audit entry in the same transaction.
 */
import { ulid } from 'ulid';
import { appendAudit, diff } from '../audit/audit.repository';
import { complianceOrganizationArchived } from '../compliance/compliance.repository';
import { getComplianceOrganization } from '../compliance/compliance.repository';
import { transact, type TxItem } from '../db/transact';
import type { Caller } from '../http/caller';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors';
import { retryOnStaleRead } from '../db/optimistic';
import { addJobProgress, getJob, markKindComplete, putNewJob, setJobStatus } from '../jobs/job.repository';
import type { Job } from '../jobs/job.schema';
import { jobKinds } from '../jobs/job-kinds';
import { withLease, type Lease } from '../jobs/lease';
import { enqueue } from '../outbox/outbox';
import { requestQuickBooksSync } from '../quickbooks/quickbooks-sync.schema';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { cleanupKinds, countRemaining, listRemaining, reportedKinds } from './company-cleanup';
import type * as z from 'zod';
import type { cleanupMessage } from './company-cleanup.schema';
import type { DeletionPreview } from './company-lifecycle.schema';
import { companyFromItem, DeleteRefused, deleteCompanyItems, getCompany, getCompanyItem, internalCount, setCompanyLifecycle } from './company.repository';
import { settingsOf } from '../settings/client-settings';
import { countPolicyUse } from '../sla/sla-policy.repository';
import type { Company } from './company.schema';

const ARCHIVE_FIELDS = ['status', 'archivedAt', 'archivedBy', 'archiveReason'] as const;

/** The company after an archive or restore: QuickBooks sync pending when it is linked. */
const withLifecycle = (c: Company, changes: Partial<Company>, now: string): Company => ({
  ...c,
  ...changes,
  integrations: { ...c.integrations, quickbooks: c.integrations.quickbooks ? { ...c.integrations.quickbooks, syncStatus: 'pending', lastError: null } : null },
  version: c.version + 1,
  updatedAt: now,
});

/** The QuickBooks (de)activation of a linked company, as an outbox item of the change's transaction (none when unlinked). */
const queueQuickBooks = (c: Company, action: 'deactivate' | 'reactivate', reason: 'archive' | 'restore' | 'delete'): TxItem[] =>
  c.integrations.quickbooks ? [requestQuickBooksSync({ id: ulid(), companyId: c.id, customerId: c.integrations.quickbooks.customerId, action, reason, requestedAt: new Date().toISOString() })] : [];

const changeLifecycle = async (caller: Caller, id: string, to: 'archived' | 'active', reason?: string): Promise<Company> => {
  return retryOnStaleRead(async () => {
    const before = await getCompany(id, true);
    if (!before) throw new NotFoundError('company');
    if (before.status === to) return before; // idempotent: no write, no audit entry
    const now = new Date().toISOString();
    const after = withLifecycle(
      before,
      to === 'archived' ? { status: 'archived', archivedAt: now, archivedBy: caller.email ?? caller.sub, archiveReason: reason ?? null } : { status: 'active', archivedAt: null, archivedBy: null, archiveReason: null },
      now,
    );
    await transact([
      setCompanyLifecycle(before, after),
      appendAudit({ companyId: id, actor: caller, action: to === 'archived' ? 'company.archived' : 'company.restored', reason: reason ?? null, changes: diff(before, after, ARCHIVE_FIELDS), at: now }),
      // QuickBooks follows asynchronously; its outcome shows in integrations.quickbooks, never fails this call.
      ...queueQuickBooks(after, to === 'archived' ? 'deactivate' : 'reactivate', to === 'archived' ? 'archive' : 'restore'),
    ]);
    return after;
  });
};

export const archiveCompany = (caller: Caller, id: string, reason?: string) => changeLifecycle(caller, id, 'archived', reason);
export const restoreCompany = (caller: Caller, id: string) => changeLifecycle(caller, id, 'active');

const BLOCKER_MESSAGES = {
  NOT_ARCHIVED: 'Only an archived company can be deleted; archive it first.',
  OUTSTANDING_INVOICES: 'An invoice of this company has an outstanding balance.',
  COMPLIANCE_TENANT_ACTIVE: "The company's compliance organization is active; archive it first.",
} as const;

const blockersOf = async (c: Company) => {
  const [outstanding, org] = await Promise.all([internalCount(c.id, 'outstandingInvoices'), getComplianceOrganization(c.id)]);
  const codes: (keyof typeof BLOCKER_MESSAGES)[] = [];
  if (c.status !== 'archived') codes.push('NOT_ARCHIVED');
  if (outstanding > 0) codes.push('OUTSTANDING_INVOICES');
  if (org?.status === 'active') codes.push('COMPLIANCE_TENANT_ACTIVE');
  return codes.map((code) => ({ code, message: BLOCKER_MESSAGES[code] }));
};

const countKinds = async (companyId: string) =>
  Object.fromEntries(await Promise.all(reportedKinds.map(async (k) => [k.kind, await countRemaining(k, companyId)] as const)));

export const deletionPreview = async (id: string): Promise<DeletionPreview> => {
  const company = await getCompany(id, true);
  if (!company) throw new NotFoundError('company');
  const [blockers, counts] = await Promise.all([blockersOf(company), countKinds(id)]);
  const by = (action: 'unassign' | 'delete') => Object.fromEntries(reportedKinds.filter((k) => k.action === action).map((k) => [k.kind, counts[k.kind] ?? 0]));
  return { blockers, unassign: by('unassign'), delete: by('delete') };
};

/**
 * Permanent delete: the blockers and the name are checked first for a clear answer, and again
 * inside the transaction (archived, exact name, outstanding-invoice counter, compliance
 * organization), so a change at the same moment makes the delete fail rather than slip through.
 */
export const deleteCompany = async (caller: Caller, id: string, confirmName: string): Promise<{ id: string; deleted: true; unassignJob: { id: string; status: string } }> => {
  const item = await getCompanyItem(id, true);
  if (!item) throw new NotFoundError('company');
  const company = companyFromItem(item);
  const [blocker] = await blockersOf(company);
  if (blocker) throw new ConflictError(blocker.code, blocker.message);
  if (confirmName !== company.name) throw nameMismatch();

  const now = new Date().toISOString();
  const counts = await countKinds(id);
  // The SLA policy its settings name stops counting it (settings do not change while archived).
  const slaPolicyId = settingsOf(item).slaPolicyId;
  const job: Job = {
    id: ulid(),
    type: 'company-cleanup',
    status: 'queued',
    companyId: id,
    progress: Object.fromEntries(cleanupKinds.map((k) => [k.kind, { total: counts[k.kind] ?? 0, done: 0, complete: false }])),
    error: null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await transact([
      ...deleteCompanyItems(company, confirmName),
      complianceOrganizationArchived(id),
      putNewJob(job),
      enqueue('company-cleanup', { jobId: job.id, companyId: id } satisfies z.input<typeof cleanupMessage>),
      ...queueQuickBooks(company, 'deactivate', 'delete'),
      ...(slaPolicyId ? [countPolicyUse(slaPolicyId, -1)] : []),
      appendAudit({ companyId: id, actor: caller, action: 'company.deleted', changes: { name: { from: company.name, to: null }, status: { from: company.status, to: 'deleted' } }, reason: `Cleanup job ${job.id}`, at: now }),
    ]);
  } catch (err) {
    if (err instanceof DeleteRefused) throw err.reason === 'CONFIRM_NAME_MISMATCH' ? nameMismatch() : new ConflictError(err.reason, BLOCKER_MESSAGES[err.reason]);
    throw err;
  }
  return { id, deleted: true, unassignJob: { id: job.id, status: job.status } };
};

const nameMismatch = () =>
  new BadRequestError('CONFIRM_NAME_MISMATCH', 'confirmName must be exactly the company name (case-sensitive).', [{ path: 'confirmName', message: 'Does not match the company name' }]);

const PAGE = 25;
/** Stop with this much Lambda time left and continue from a new message. */
const TIME_RESERVE_MS = 15_000;

const isConditionFailure = (err: unknown) => err instanceof TransactionCanceledException && (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');

/** One item's write with its progress, alone; false when it was done already. */
const applyOne = async (write: TxItem[], jobId: string, kind: string): Promise<boolean> => {
  try {
    await transact([...write, addJobProgress(jobId, kind, 1)]);
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
};

/**
 * The cleanup worker's job, under the job's lease: every kind in declaration order, a page of
 * up to 25 writes (fewer for kinds whose write takes several items) and the progress counter in one transaction (each write is conditional, so a
 * redelivered or resumed job never does one twice, and progress counts exactly what was done).
 * Returns `continue` when the Lambda's time runs short, after queuing its own continuation.
 */
export const runCleanup = (jobId: string, companyId: string, remainingMs: () => number) =>
  withLease(jobKinds['company-cleanup'], jobId, (lease) => runLeasedCleanup(jobId, companyId, remainingMs, lease));

const runLeasedCleanup = async (jobId: string, companyId: string, remainingMs: () => number, lease: Lease): Promise<'done' | 'continue' | 'skipped'> => {
  const job = await getJob(jobId);
  if (!job || job.status === 'done') return 'skipped';
  const now = () => new Date().toISOString();
  for (const kind of cleanupKinds) {
    if (job.progress[kind.kind]?.complete) continue;
    let idle = 0;
    for (;;) {
      if (remainingMs() < TIME_RESERVE_MS) {
        await lease.handOver(enqueue('company-cleanup', { jobId, companyId } satisfies z.input<typeof cleanupMessage>));
        return 'continue';
      }
      const items = await listRemaining(kind, companyId, kind.page ?? PAGE);
      if (items.length === 0) break;
      const writes = items.map((i) => kind.write(i, companyId, now()));
      let done = 0;
      try {
        await transact([...writes.flat(), addJobProgress(jobId, kind.kind, writes.length)]);
        done = writes.length;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // Some were done already (a resumed job, or the index lagging): one by one.
        for (const w of writes) if (await applyOne(w, jobId, kind.kind)) done++;
      }
      if (done === 0) {
        // Only already-done items are listed: the index has not caught up yet.
        if (++idle > 20) throw new Error(`Cleanup of ${kind.kind} for ${companyId} made no progress`);
        await new Promise((r) => setTimeout(r, 250));
      } else idle = 0;
    }
    await markKindComplete(jobId, kind.kind);
  }
  await setJobStatus(jobId, 'done');
  return 'done';
};
