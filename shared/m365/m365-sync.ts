/**
 * The Microsoft 365 sync of one company: Entra users become contacts, devices become assets.
 * Delta queries read only what changed since the last sync (a `410 Gone` starts a full read,
 * after which users no longer in the tenant are deactivated). Each record keeps what Microsoft
 * 365 said at the last sync (`m365Mapped`), and is written only when that changes, so a sync
 * with no changes writes nothing. The job's cursor (phase and next page) moves after each page,
 * and a run short of Lambda time hands over to a new message, so a large tenant continues
 * where it stopped; every write is idempotent (links and guards are conditional), so a
 * replayed page duplicates nothing. What a page wrote is counted in the transactions that wrote
 * it (m365-sync-writes.ts); what it read (`seen`, `unchanged`) and its errors when the cursor
 * moves. Nothing is ever deleted.
 */
import { GraphError, type TenantGraph as Client } from './m365.client';
import { getCompany } from '../companies/company.repository';
import { jobKinds } from '../jobs/job-kinds';
import { withLease, type Lease } from '../jobs/lease';
import { logger } from '../logger';
import { enqueue } from '../outbox/outbox';
import { graphFor, readDeltaPage } from './m365.client';
import { applyDevices, applyUsers, companyArchivedError, deactivateUnseen, type PageAt, type ReadCounts } from './m365-sync-writes';
import { advanceSyncJob, finishSyncJob, getSyncJob, getSyncState, markSyncStarted, recordSeen, setDeltaLink, SyncSupersededError, type JobError, type SyncCursor } from './m365.repository';
import { DEVICE_SELECT, USER_SELECT, type GraphDevice, type GraphUser } from './m365.schema';

const TIME_RESERVE_MS = 60_000;

// ── the run ───────────────────────────────────────────────────────────────────────────────

// No `$top`: delta queries ignore it; the page size is asked in a header (readDeltaPage).
const startUrl = (phase: 'users' | 'devices') => `/${phase}/delta?$select=${(phase === 'users' ? USER_SELECT : DEVICE_SELECT).join(',')}`;

/** Runs (or resumes) a sync job under its lease; `continue` when it handed over to a new message. */
export const runSync = (jobId: string, remainingMs: () => number) => withLease(jobKinds['m365-sync'], jobId, (lease) => runLeased(jobId, remainingMs, lease));

const runLeased = async (jobId: string, remainingMs: () => number, lease: Lease): Promise<'completed' | 'failed' | 'continue' | 'skipped'> => {
  const job = await getSyncJob(jobId);
  if (!job || job.status === 'completed' || job.status === 'failed') return 'skipped';
  const now = () => new Date().toISOString();
  const company = await getCompany(job.companyId, true);
  if (!company || company.status !== 'active') {
    await finishSyncJob(job, 'failed', now(), company ? 'The company is archived; archived companies are never synced.' : 'The company no longer exists.');
    return 'failed';
  }
  if (company.integrations.m365?.tenantId !== job.tenantId) {
    await finishSyncJob(job, 'failed', now(), 'The company is no longer linked to this tenant.');
    return 'failed';
  }
  await markSyncStarted(jobId, now());
  const graph: Client = graphFor(job.tenantId);
  const state = await getSyncState(job.companyId);
  let cursor = job.cursor;
  // Writes a failed run of this page committed (and counted): read again now, they are unchanged.
  let carried = job.pageWrites ?? 0;
  try {
    while (cursor.phase !== 'finish') {
      const phase = cursor.phase;
      const stored = phase === 'users' ? state.usersDeltaLink : state.devicesDeltaLink;
      const url = cursor.nextLink ?? stored ?? startUrl(phase);
      const full = cursor.nextLink ? cursor.full : !stored;
      let page: { value: (GraphUser & GraphDevice)[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
      try {
        page = await readDeltaPage(graph, url);
      } catch (err) {
        if (err instanceof GraphError && err.statusCode === 410) {
          // The delta token expired: read everything again, then deactivate who is gone.
          await setDeltaLink(job.companyId, phase, null);
          if (phase === 'users') state.usersDeltaLink = null;
          else state.devicesDeltaLink = null;
          const restart: SyncCursor = { phase, nextLink: null, full: true, page: cursor.page };
          if (!(await advanceSyncJob(job, cursor, restart, phase, {}, [{ externalId: null, message: `${phase}: delta token expired; reading everything again` }]))) return 'skipped';
          cursor = restart;
          carried = 0;
          continue;
        }
        throw err;
      }
      const counts: ReadCounts = { seen: 0, unchanged: 0 };
      const errors: JobError[] = [];
      const at: PageAt = { job, cursor, phase };
      if (phase === 'users') {
        await applyUsers(at, page.value, counts, errors);
        if (full) await recordSeen(job.id, cursor.page, page.value.filter((u) => !u['@removed']).map((u) => u.id));
      } else await applyDevices(at, page.value, counts, errors);
      counts.unchanged = Math.max(0, counts.unchanged - carried);

      const deltaLink = page['@odata.deltaLink'];
      if (deltaLink) {
        if (phase === 'users' && full) await deactivateUnseen(at, errors);
        await setDeltaLink(job.companyId, phase, deltaLink);
      }
      const next: SyncCursor = deltaLink ? { phase: phase === 'users' ? 'devices' : 'finish', nextLink: null, full: false, page: cursor.page + 1 } : { phase, nextLink: page['@odata.nextLink'] ?? null, full, page: cursor.page + 1 };
      if (!(await advanceSyncJob(job, cursor, next, phase, counts, errors))) return 'skipped'; // another delivery got further
      cursor = next;
      carried = 0;
      if (cursor.phase !== 'finish' && remainingMs() < TIME_RESERVE_MS) {
        await lease.handOver(enqueue('m365-sync', { type: 'sync', jobId }));
        return 'continue';
      }
    }
    await finishSyncJob(job, 'completed', now());
    return 'completed';
  } catch (err) {
    if (err instanceof SyncSupersededError) return 'skipped'; // another delivery got further
    if (companyArchivedError(err)) {
      // What committed before the archive stays; nothing more is written to an archived company.
      await finishSyncJob(job, 'failed', now(), 'The company was archived during the sync; archived companies are never synced.');
      return 'failed';
    }
    if (err instanceof GraphError && [401, 403].includes(err.statusCode)) {
      await finishSyncJob(job, 'failed', now(), `Microsoft 365 refused access (${err.statusCode} ${err.code}): consent may have been revoked.`);
      return 'failed';
    }
    logger.error('Microsoft 365 sync failed, will be retried', { jobId, error: err as Error });
    throw err;
  }
};
