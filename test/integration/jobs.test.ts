/**
 * Jobs that never end, tried as a fault injector would, on real DynamoDB Local and real queues
 * (fauxqs): an import, a Microsoft 365 sync and a company clean-up killed at each DynamoDB
 * request of their run in turn, left until their lease lapses, swept and resumed from their
 * checkpoint, then recounted (0 rows lost, 0 doubled); a second delivery during a live lease;
 * a run that loses its lease; a job that kills its worker every time; a message that reaches a
 * dead-letter queue. The lease clock is moved forward instead of waited for.
 */
import { randomUUID } from 'node:crypto';
import { InternalServerError } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as cleanupWorker } from '../../functions/companies/cleanup-company';
import { handler as importWorker } from '../../functions/imports/run-import';
import { handler as deadLetterWorker } from '../../functions/jobs/fail-dead-letters';
import { handler as sweepHandler } from '../../functions/jobs/sweep-jobs';
import { handler as syncWorker } from '../../functions/m365/sync-tenant';
import { fillTenant, type FakeMicrosoft } from '../../infra/local/fakes/microsoft';
import { startWorkers } from '../../infra/local/workers';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { runImport } from '../../shared/imports/import.service';
import { jobKinds } from '../../shared/jobs/job-kinds';
import { jobClock, leaseTiming, type LeasedKind } from '../../shared/jobs/lease-timing';
import { MAX_SWEEPS, sweepJobs } from '../../shared/jobs/sweeper';
import { beforeDbRequest, killAtRequest } from '../helpers/db-requests';
import { call, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';
import { startM365Fake } from '../support/m365';

const engines = useEngines({ queues: true });

let fake: FakeMicrosoft;
// The lease clock runs `offset` ahead of the wall clock; `lapse()` moves it past any lease and any pick-up grace.
let offset = 0;
const lapse = () => void (offset += leaseTiming.pickupGraceMs + 1000);

beforeAll(async () => {
  jobClock.now = () => Date.now() + offset;
  fake = await startM365Fake();
});
afterAll(async () => {
  jobClock.now = () => Date.now();
  await fake?.stop();
});

const run = Math.random().toString(36).slice(2, 7);
let n = 0;
const ctx = (remaining = 900_000): Context => ({ ...lambdaContext, getRemainingTimeInMillis: () => remaining }) as Context;
type Worker = (event: never, context: Context) => Promise<unknown>;
type JobQueue = 'imports' | 'm365-sync' | 'company-cleanup';

/** Runs the worker on everything the queue holds until it is empty, as the event source would. */
const drain = async (queue: JobQueue, worker: Worker) => {
  for (let i = 0; i < 50; i++) {
    const event = await engines.queues.take(queue);
    if (!event.Records.length) return;
    await worker(event as never, ctx());
  }
  throw new Error(`${queue} never emptied`);
};

const rawJob = async (kind: LeasedKind, id: string) => (await db().send(new GetCommand({ TableName: tableName(), Key: jobKinds[kind].key(id), ConsistentRead: true }))).Item!;

/** Every page of a listing route. */
const listAll = async (route: string, query: Record<string, string>, params?: Record<string, string>) => {
  const all: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  do {
    const page = await call({ route: route as never, params, query: { ...query, limit: '100', ...(cursor ? { cursor } : {}) } });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    all.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return all;
};

/** Figures for docs/security.md: kills per kind of job, and the request positions they hit. */
const figures: Record<string, { kills: number; points: number }> = {};
afterAll(() => console.info(`[jobs] kill-and-resume figures: ${JSON.stringify(figures)}`));

/**
 * Kills a fresh job's first run at its 1st DynamoDB request, then (another job) at its 2nd, and
 * so on until a run finishes before the kill point: every request of the run has been a kill
 * point once. Each time: the dead run's lease holds the job (no re-queue yet), then lapses; the
 * sweeper queues the job again; the run that follows finishes it; `verify` recounts.
 */
const killAtEveryPoint = async (kind: LeasedKind, queue: JobQueue, worker: Worker, start: () => Promise<{ id: string; event: SQSEvent; verify: () => Promise<void> }>) => {
  let kills = 0;
  for (let at = 1; at < 500; at++) {
    const { id, event, verify } = await start();
    const kill = killAtRequest(at);
    try {
      await worker(event as never, ctx());
    } catch {
      // The invocation died with its function.
    } finally {
      kill.revive();
    }
    if (!kill.fired) {
      // This run needed fewer than `at` requests: every point of it has been tried.
      await verify();
      figures[kind] = { kills, points: at - 1 };
      return kills;
    }
    kills++;
    const before = await sweepJobs();
    expect(before.requeued, `${kind} killed at request ${at}: re-queued while its lease or pick-up time was still running`).not.toContainEqual({ kind, id });
    lapse();
    const swept = await sweepJobs();
    const finished = jobKinds[kind].finished.includes((await rawJob(kind, id)).status as string);
    // Killed after finishing (before giving the lease back): the sweeper only takes it out of the due index.
    if (finished) expect(swept.cleared, `${kind} killed at request ${at}`).toBeGreaterThan(0);
    else expect(swept.requeued, `${kind} killed at request ${at}`).toContainEqual({ kind, id });
    await drain(queue, worker);
    await verify();
  }
  throw new Error('The run never finished');
};

/** The job finished, out of the due index, its lease free. */
const expectLeftIndex = async (kind: LeasedKind, id: string) => {
  const item = await rawJob(kind, id);
  expect(item.gsi2pk).toBeUndefined();
  expect(item.leaseExpiresAt).toBeUndefined();
  expect(item.leaseOwner ?? null).toBeNull();
};

// ── imports ──────────────────────────────────────────────────────────────────────────────

const csv = (rows: number, tag: string) => ['firstName,lastName,email', ...Array.from({ length: rows }, (_, i) => `F${i},L${i},${tag}.${i}.${run}@example.com`)].join('\n');
const upload = async (body: string) => {
  const res = await call({ route: 'POST /v1/imports', query: { type: 'contacts' }, rawBody: body, headers: { 'content-type': 'text/csv' } });
  expect(res.status).toBe(202);
  return res.body.id as string;
};
const getImport = async (id: string) => (await call({ route: 'GET /v1/imports/{id}', params: { id } })).body;
const contactsTagged = async (tag: string) => (await listAll('GET /v1/contacts', { q: `${tag}.` })).filter((c) => String(c.email).endsWith(`.${run}@example.com`));
const verifyImport = (id: string, tag: string, rows: number) => async () => {
  expect(await getImport(id)).toMatchObject({ status: 'completed', totalRows: rows, processedRows: rows, created: rows, skippedDuplicates: 0, failed: 0 });
  const contacts = await contactsTagged(tag);
  expect(contacts).toHaveLength(rows);
  expect(new Set(contacts.map((c) => c.email)).size).toBe(rows);
  await expectLeftIndex('import', id);
};

describe('imports', () => {
  it('killed at each request of its run, swept once its lease lapsed, resumes: 0 rows lost, 0 doubled', async () => {
    const ROWS = 130; // four batches of 40 rows, four transactions in flight at once
    const kills = await killAtEveryPoint('import', 'imports', importWorker, async () => {
      const tag = `imk${++n}`;
      const id = await upload(csv(ROWS, tag));
      return { id, event: await engines.queues.take('imports'), verify: verifyImport(id, tag, ROWS) };
    });
    expect(kills).toBeGreaterThanOrEqual(10);
  }, 120_000);

  it('killed again and again, each run a little further, still ends exact', async () => {
    const tag = `imr${++n}`;
    // Enough groups to need several runs, few enough to end within MAX_SWEEPS re-queues (a contact row with its search tokens takes ~5 items of a group's 98).
    const ROWS = 150;
    const id = await upload(csv(ROWS, tag));
    let event = await engines.queues.take('imports');
    let kills = 0;
    for (;;) {
      const kill = killAtRequest(9);
      await importWorker(event as never, ctx()).catch(() => undefined);
      kill.revive();
      if (!kill.fired) break;
      kills++;
      lapse();
      const swept = await sweepJobs();
      // Killed after its last commit (giving its lease back): the job is complete, and the sweep only clears its index entry.
      if ((await getImport(id)).status === 'completed') {
        expect(swept.cleared).toBe(1);
        break;
      }
      expect(swept.requeued).toContainEqual({ kind: 'import', id });
      event = await engines.queues.take('imports');
    }
    expect(kills).toBeGreaterThan(1);
    expect(kills).toBeLessThanOrEqual(MAX_SWEEPS);
    figures['import-repeated'] = { kills, points: 1 };
    await verifyImport(id, tag, ROWS)();
  });

  it('a second delivery during a live lease returns at once, writing nothing; the owner finishes alone', async () => {
    const tag = `imc${++n}`;
    const id = await upload(csv(120, tag));
    const event = await engines.queues.take('imports');
    let second: unknown;
    let fired = false;
    const hook = `second-delivery-${n}`;
    db().middlewareStack.add(
      (next, context) => async (args) => {
        if (!fired && /TransactWrite/.test(String(context.commandName))) {
          fired = true;
          // The same message again, while the first run holds the lease and has a batch on its way.
          second = await runImport(id, () => 900_000);
        }
        return next(args);
      },
      { step: 'initialize', name: hook, priority: 'high' },
    );
    try {
      await importWorker(event as never, ctx());
    } finally {
      db().middlewareStack.remove(hook);
    }
    expect(second).toBe('busy');
    // And two deliveries at the same moment: one runs, the other finds it busy or finished.
    const tag2 = `imd${++n}`;
    const id2 = await upload(csv(120, tag2));
    const event2 = await engines.queues.take('imports');
    const outcomes = await Promise.all([runImport(id2, () => 900_000), runImport(id2, () => 900_000)]);
    expect(outcomes.filter((o) => o === 'completed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'busy' || o === 'skipped')).toHaveLength(1);
    await importWorker(event2 as never, ctx()); // the message itself, delivered after: nothing left to do
    await verifyImport(id, tag, 120)();
    await verifyImport(id2, tag2, 120)();
  });

  it('a run that loses its lease while stalled writes nothing more; the run the sweeper queued finishes', async () => {
    const tag = `iml${++n}`;
    const ROWS = 200;
    const id = await upload(csv(ROWS, tag));
    await engines.queues.take('imports');
    let arrived!: () => void;
    const atSecondBatch = new Promise<void>((r) => (arrived = r));
    let wake!: () => void;
    const stalled = new Promise<void>((r) => (wake = r));
    let transactions = 0;
    const hook = `stall-${n}`;
    db().middlewareStack.add(
      (next, context) => async (args) => {
        // From its second batch on, the run stalls (a long GC pause, a frozen container) and its lease runs out meanwhile.
        // Only the run's own batches (they carry its done markers): the sweeper, another process in production, writes
        // its re-queue in a transaction too, and stalling that here would wait on the sweep the test is waiting for.
        const batch = /TransactWrite/.test(String(context.commandName)) && JSON.stringify(args.input).includes('DONE#');
        if (batch && ++transactions >= 2) {
          if (transactions === 2) arrived();
          await stalled;
        }
        return next(args);
      },
      { step: 'initialize', name: hook, priority: 'high' },
    );
    try {
      const first = runImport(id, () => 900_000);
      await atSecondBatch;
      lapse();
      expect((await sweepJobs()).requeued).toContainEqual({ kind: 'import', id });
      await new Promise((r) => setTimeout(r, 300)); // the first batch, already on its way, lands
      const afterTakeover = await getImport(id);
      wake();
      expect(await first).toBe('lost');
      // Not one more row or counter from the stalled run.
      expect(await getImport(id)).toMatchObject({ processedRows: afterTakeover.processedRows, created: afterTakeover.created });
      expect(afterTakeover.processedRows).toBeLessThan(ROWS);
    } finally {
      db().middlewareStack.remove(hook);
    }
    await drain('imports', importWorker);
    await verifyImport(id, tag, ROWS)();
  });

  it('the heartbeat keeps a slow run’s lease live past its period; a renewal refused (taken over) stops the run', async () => {
    const saved = { ...leaseTiming };
    // The period is long against a renewal's latency on a loaded CI machine (DynamoDB Local serialises
    // writes; a beat has taken over a second there), so only the stall, not a slow beat, can outlast it.
    Object.assign(leaseTiming, { periodMs: 4000, heartbeatMs: 200, safetyMs: 100 });
    // Stalls the run at its second batch until `wake()`, as a slow page of work would.
    const stallAtSecondBatch = (name: string) => {
      let arrived!: () => void;
      const reached = new Promise<void>((r) => (arrived = r));
      let wake!: () => void;
      const gate = new Promise<void>((r) => (wake = r));
      let transactions = 0;
      db().middlewareStack.add(
        (next, context) => async (args) => {
          // The run's own batches only (they carry its done markers), not a sweep's re-queue.
          if (/TransactWrite/.test(String(context.commandName)) && JSON.stringify(args.input).includes('DONE#') && ++transactions >= 2) {
            if (transactions === 2) arrived();
            await gate;
          }
          return next(args);
        },
        { step: 'initialize', name, priority: 'high' },
      );
      return { reached, wake, remove: () => db().middlewareStack.remove(name) };
    };
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      const tag = `imh${++n}`;
      const id = await upload(csv(200, tag));
      await engines.queues.take('imports');
      const slow = stallAtSecondBatch(`slow-${n}`);
      try {
        const running = runImport(id, () => 900_000);
        await slow.reached;
        await pause(2 * leaseTiming.periodMs); // twice the lease period, with no progress
        expect((await sweepJobs()).requeued).not.toContainEqual({ kind: 'import', id });
        expect(await runImport(id, () => 900_000)).toBe('busy');
        slow.wake();
        expect(await running).toBe('completed');
      } finally {
        slow.remove();
      }
      await verifyImport(id, tag, 200)();

      const tag2 = `imt${++n}`;
      const id2 = await upload(csv(200, tag2));
      await engines.queues.take('imports');
      const stolen = stallAtSecondBatch(`stolen-${n}`);
      try {
        const running = stolen.reached.then(() => undefined);
        const first = runImport(id2, () => 900_000);
        await running;
        // Another run takes the job over (as after a sweep); the stalled run's next heartbeat is refused.
        await db().send(new UpdateCommand({ TableName: tableName(), Key: jobKinds.import.key(id2), UpdateExpression: 'SET leaseOwner = :other', ExpressionAttributeValues: { ':other': 'another-run' } }));
        await pause(3 * leaseTiming.heartbeatMs); // the first batch, already on its way, lands meanwhile
        const before = await getImport(id2);
        expect(before.processedRows).toBeGreaterThan(0);
        stolen.wake();
        expect(await first).toBe('lost');
        expect(await getImport(id2)).toMatchObject({ processedRows: before.processedRows, created: before.created });
      } finally {
        stolen.remove();
      }
      await db().send(new UpdateCommand({ TableName: tableName(), Key: jobKinds.import.key(id2), UpdateExpression: 'SET leaseOwner = :null', ExpressionAttributeValues: { ':null': null } }));
      expect(await runImport(id2, () => 900_000)).toBe('completed');
      await verifyImport(id2, tag2, 200)();
    } finally {
      Object.assign(leaseTiming, saved);
    }
  });

  it('a job whose message was lost is queued again once its pick-up time passes (through the scheduled handler)', async () => {
    const tag = `imq${++n}`;
    const id = await upload(csv(50, tag));
    await engines.queues.take('imports'); // the message is gone: a crash after the commit, a purge
    expect(await sweepHandler({}, ctx())).toMatchObject({ requeued: 0 });
    lapse();
    expect(await sweepHandler({}, ctx())).toMatchObject({ requeued: 1 });
    await drain('imports', importWorker);
    await verifyImport(id, tag, 50)();
  });

  it('re-queues in one transaction: a fault at the re-queue leaves the job as it was, and the next sweep queues it at once', async () => {
    const tag = `ima${++n}`;
    const id = await upload(csv(20, tag));
    await engines.queues.take('imports'); // the message is gone
    lapse();
    const before = await rawJob('import', id);
    // The re-queue's outbox item cannot be written (the process dies there, DynamoDB fails the request).
    const remove = beforeDbRequest((_command, input) => {
      const sent = JSON.stringify(input);
      if (sent.includes('OUTBOX#') && sent.includes(id)) throw new InternalServerError({ message: 'Injected: the re-queue fails', $metadata: {} });
    });
    try {
      await expect(sweepJobs()).rejects.toThrow(/Injected/);
    } finally {
      remove();
    }
    // Nothing of the re-queue committed: not marked re-queued (still overdue), and no message.
    expect(await rawJob('import', id)).toMatchObject({ leaseExpiresAt: before.leaseExpiresAt, gsi2sk: before.gsi2sk, leaseOwner: null });
    expect((await engines.queues.take('imports')).Records).toHaveLength(0);
    // So the next sweep queues it now, not a pick-up grace later.
    expect((await sweepJobs()).requeued).toContainEqual({ kind: 'import', id });
    await drain('imports', importWorker);
    await verifyImport(id, tag, 20)();
  });

  it('a job that kills its worker every time is failed as stalled after the sweeper re-queued it MAX_SWEEPS times', async () => {
    const id = await upload(csv(10, `ims${++n}`));
    let event = await engines.queues.take('imports');
    let kills = 0;
    for (;;) {
      const kill = killAtRequest(2); // right after taking the lease, before any progress
      await importWorker(event as never, ctx()).catch(() => undefined);
      kill.revive();
      kills++;
      lapse();
      const swept = await sweepJobs();
      if (swept.stalled.some((s) => s.id === id)) break;
      expect(swept.requeued).toContainEqual({ kind: 'import', id });
      event = await engines.queues.take('imports');
    }
    expect(kills).toBe(MAX_SWEEPS + 1);
    const job = await getImport(id);
    expect(job.status).toBe('failed');
    expect(job.errors[0]).toMatchObject({ row: 0, message: expect.stringMatching(/stopped without finishing 6 times/) });
    expect((await rawJob('import', id)).error).toMatchObject({ code: 'JOB_STALLED' });
    await expectLeftIndex('import', id);
  });
});

// ── Microsoft 365 sync ──────────────────────────────────────────────────────────────────

const USERS = 30;
const DEVICES = 10;
const linkedCompany = async () => {
  const co = (await call({ route: 'POST /v1/companies', body: { name: `Jobs M365 ${run} ${++n}` } })).body as { id: string };
  const domain = `j${run}${n}.onmicrosoft.com`;
  const tenantId = fake.addTenant({ displayName: `Tenant ${run} ${n}`, defaultDomainName: domain });
  fillTenant(fake, tenantId, domain, USERS, DEVICES);
  const url = new URL((await call({ route: 'GET /v1/integrations/m365/consent-url', query: { companyId: co.id } })).body.url);
  const linked = await call({ route: 'GET /v1/public/m365/callback', query: { tenant: tenantId, admin_consent: 'True', state: url.searchParams.get('state')! } });
  expect(linked.status).toBe(200);
  return { companyId: co.id, jobId: linked.body.jobId as string };
};
const verifySync = (companyId: string, jobId: string) => async () => {
  const job = (await call({ route: 'GET /v1/sync-jobs/{id}', params: { id: jobId } })).body;
  expect(job.status).toBe('completed');
  // Each page's counts are added with its cursor move, once: never more than there are. (Fewer, when the run
  // died between saving a phase's delta link and moving the cursor: the resumed run reads from the saved link and
  // sees no change. The records are all there; the job under-reports that phase.)
  expect(job.users.seen).toBeLessThanOrEqual(USERS);
  expect(job.devices.seen).toBeLessThanOrEqual(DEVICES);
  expect(job.users.created).toBeLessThanOrEqual(USERS);
  const contacts = await listAll('GET /v1/companies/{id}/contacts', {}, { id: companyId });
  expect(contacts).toHaveLength(USERS);
  expect(new Set(contacts.map((c) => c.externalId)).size).toBe(USERS);
  const assets = await listAll('GET /v1/assets', { companyId });
  expect(assets).toHaveLength(DEVICES);
  expect(new Set(assets.map((a) => a.externalId)).size).toBe(DEVICES);
  const company = (await call({ route: 'GET /v1/companies/{id}', params: { id: companyId } })).body;
  expect(company.counts).toMatchObject({ contacts: USERS, assets: DEVICES });
  expect(company.integrations.m365.lastSyncStatus).toBe('succeeded');
  await expectLeftIndex('m365-sync', jobId);
};

describe('Microsoft 365 sync', () => {
  it('killed at each request of its run, swept once its lease lapsed, resumes: 0 contacts or assets lost, 0 doubled', async () => {
    const kills = await killAtEveryPoint('m365-sync', 'm365-sync', syncWorker, async () => {
      const { companyId, jobId } = await linkedCompany();
      return { id: jobId, event: await engines.queues.take('m365-sync'), verify: verifySync(companyId, jobId) };
    });
    expect(kills).toBeGreaterThanOrEqual(15);
  }, 300_000);
});

// ── company clean-up ────────────────────────────────────────────────────────────────────

const retire = async (contacts: number, tickets: number) => {
  const co = (await call({ route: 'POST /v1/companies', body: { name: `Jobs Retire ${run} ${++n}` } })).body as { id: string; name: string };
  const cts = await Promise.all(
    Array.from({ length: contacts }, async (_, i) => (await call({ route: 'POST /v1/contacts', body: { firstName: 'Pat', lastName: `R${i}`, email: `retire.${run}.${n}.${i}@example.com`, companyId: co.id } })).body as { id: string }),
  );
  const tks = await Promise.all(Array.from({ length: tickets }, async (_, i) => (await call({ route: 'POST /v1/tickets', body: { companyId: co.id, contactId: cts[i % cts.length]!.id, subject: 'Help' } })).body as { id: string }));
  await call({ route: 'POST /v1/companies/{id}/addresses', params: { id: co.id }, body: { line1: '1 High St', city: 'Leeds', country: 'GB', isBilling: true } });
  expect((await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } })).status).toBe(200);
  const deleted = await call({ route: 'DELETE /v1/companies/{id}', params: { id: co.id }, body: { confirmName: co.name }, groups: ['SuperAdmin'] as never });
  expect(deleted.status).toBe(202);
  return { co, cts, tks, jobId: deleted.body.unassignJob.id as string };
};
const verifyCleanup = (r: Awaited<ReturnType<typeof retire>>) => async () => {
  const job = (await call({ route: 'GET /v1/jobs/{id}', params: { id: r.jobId } })).body;
  expect(job).toMatchObject({ status: 'done', error: null });
  expect(job.progress).toMatchObject({ contacts: { total: r.cts.length, done: r.cts.length, complete: true }, tickets: { total: r.tks.length, done: r.tks.length, complete: true }, addresses: { total: 1, done: 1 } });
  // Each record changed exactly once: version 1 → 2.
  for (const c of r.cts) expect((await call({ route: 'GET /v1/contacts/{id}', params: { id: c.id } })).body).toMatchObject({ companyId: null, version: 2 });
  for (const t of r.tks) expect((await call({ route: 'GET /v1/tickets/{id}', params: { id: t.id } })).body).toMatchObject({ companyId: null, version: 2 });
  await expectLeftIndex('company-cleanup', r.jobId);
};

describe('company clean-up', () => {
  it('killed at each request of its run, swept once its lease lapsed, resumes: 0 records missed, 0 changed twice', async () => {
    const kills = await killAtEveryPoint('company-cleanup', 'company-cleanup', cleanupWorker, async () => {
      // 12 contacts: two pages of the clean-up (11 a page), each page one Query per list bucket and a BatchGetItem, every request a kill point.
      const r = await retire(12, 4);
      return { id: r.jobId, event: await engines.queues.take('company-cleanup'), verify: verifyCleanup(r) };
    });
    expect(kills).toBeGreaterThanOrEqual(10);
    // Every kind of the clean-up declaration is a few more kill points, each a whole company retired anew (contracts added two).
  }, 600_000);
});

// ── dead letters ────────────────────────────────────────────────────────────────────────

const eventOf = (body: unknown): SQSEvent => ({
  Records: [
    {
      messageId: randomUUID(),
      receiptHandle: 'r',
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:dlq',
      awsRegion: 'us-east-1',
    },
  ],
});

describe('dead letters', () => {
  it('an import whose worker fails on every delivery reaches the dead-letter queue and is failed with a reason, once', async () => {
    const id = await upload(csv(20, `imx${++n}`));
    // Its stored file is gone: every run fails the same way.
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.importChunk(id, 1) }));
    let deliveries = 0;
    while (await engines.queues.deliver('imports', (e) => importWorker(e as never, ctx()))) deliveries++;
    expect(deliveries).toBe(5); // maxReceiveCount: SQS moved it on the next receive
    expect((await getImport(id)).status).not.toBe('failed');
    expect(await engines.queues.deliver('imports-dlq', (e) => deadLetterWorker(e as never, ctx()))).toBe(1);
    const job = await getImport(id);
    expect(job).toMatchObject({ status: 'failed', completedAt: expect.any(String) });
    expect(job.errors[0]).toMatchObject({ row: 0, message: expect.stringMatching(/failed on all 5 deliveries/) });
    const item = await rawJob('import', id);
    expect(item.error).toMatchObject({ code: 'JOB_DEAD_LETTERED' });
    await expectLeftIndex('import', id);
    // The same dead letter again changes nothing.
    await deadLetterWorker(eventOf({ importId: id }) as never, ctx());
    expect(await rawJob('import', id)).toEqual(item);
  });

  it('a dead-lettered clean-up message fails its job with { code, message }', async () => {
    const r = await retire(2, 1);
    await engines.queues.take('company-cleanup');
    await deadLetterWorker(eventOf({ jobId: r.jobId, companyId: r.co.id }) as never, ctx());
    const job = (await call({ route: 'GET /v1/jobs/{id}', params: { id: r.jobId } })).body;
    expect(job).toMatchObject({ status: 'failed', error: { code: 'JOB_DEAD_LETTERED', message: expect.stringMatching(/dead-letter queue/) } });
    await expectLeftIndex('company-cleanup', r.jobId);
  });

  it('a dead-lettered sync fails its job and frees the company to sync again', async () => {
    const { companyId, jobId } = await linkedCompany();
    await engines.queues.take('m365-sync');
    // While the job is queued, asking again answers with the same job.
    expect((await call({ route: 'POST /v1/companies/{id}/m365/sync', params: { id: companyId } })).body.jobId).toBe(jobId);
    await deadLetterWorker(eventOf({ type: 'sync', jobId }) as never, ctx());
    const job = (await call({ route: 'GET /v1/sync-jobs/{id}', params: { id: jobId } })).body;
    expect(job.status).toBe('failed');
    expect(job.errors.at(-1).message).toMatch(/^JOB_DEAD_LETTERED: /);
    const again = await call({ route: 'POST /v1/companies/{id}/m365/sync', params: { id: companyId } });
    expect(again.status).toBe(202);
    expect(again.body.jobId).not.toBe(jobId);
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: companyId } })).body.integrations.m365.lastSyncStatus).toBe('failed');
    await drain('m365-sync', syncWorker);
  });

  it('leaves alone a job that finished, or that a live run holds', async () => {
    const tag = `imf${++n}`;
    const done = await upload(csv(5, tag));
    await drain('imports', importWorker);
    await deadLetterWorker(eventOf({ importId: done }) as never, ctx());
    expect((await getImport(done)).status).toBe('completed');

    const live = await upload(csv(80, `iml${++n}`));
    await engines.queues.take('imports');
    let outcome: unknown;
    let fired = false;
    const hook = `dlq-live-${n}`;
    db().middlewareStack.add(
      (next, context) => async (args) => {
        if (!fired && /TransactWrite/.test(String(context.commandName))) {
          fired = true;
          await deadLetterWorker(eventOf({ importId: live }) as never, ctx());
          outcome = (await getImport(live)).status;
        }
        return next(args);
      },
      { step: 'initialize', name: hook, priority: 'high' },
    );
    try {
      expect(await runImport(live, () => 900_000)).toBe('completed');
    } finally {
      db().middlewareStack.remove(hook);
    }
    expect(outcome).not.toBe('failed');
    expect((await getImport(live)).status).toBe('completed');
  });
});

// ── the local stack ──────────────────────────────────────────────────────────────────────

describe('local workers (npm start)', () => {
  it('sweep at start: a job a killed process left running resumes; the dead-letter queues are consumed', async () => {
    const tag = `iml${++n}`;
    const id = await upload(csv(120, tag));
    const event = await engines.queues.take('imports');
    const kill = killAtRequest(8);
    await importWorker(event as never, ctx()).catch(() => undefined);
    kill.revive();
    expect(kill.fired).toBe(true);
    // The process was down longer than a lease (in the data: the local workers load their own modules, with the wall clock).
    const lapsed = new Date(Date.now() - 1000).toISOString();
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: jobKinds.import.key(id),
        UpdateExpression: 'SET leaseExpiresAt = :t, gsi2sk = :sk',
        ExpressionAttributeValues: { ':t': lapsed, ':sk': keys.jobDue(lapsed, 'import', id).gsi2sk },
      }),
    );
    const r = await retire(2, 1);
    await engines.queues.take('company-cleanup');
    await engines.queues.send('company-cleanup-dlq', { jobId: r.jobId, companyId: r.co.id });

    const workers = startWorkers({ endpoint: engines.queues.endpoint, region: 'us-east-1', queueUrls: engines.queues.urls });
    try {
      for (let i = 0; i < 100; i++) {
        const [imp, job] = await Promise.all([getImport(id), call({ route: 'GET /v1/jobs/{id}', params: { id: r.jobId } })]);
        if (imp.status === 'completed' && job.body.status === 'failed') break;
        await new Promise((res) => setTimeout(res, 200));
      }
    } finally {
      await workers.stop();
    }
    await verifyImport(id, tag, 120)();
    expect((await call({ route: 'GET /v1/jobs/{id}', params: { id: r.jobId } })).body).toMatchObject({ status: 'failed', error: { code: 'JOB_DEAD_LETTERED' } });
  });
});
