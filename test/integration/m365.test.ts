/**
 * Microsoft 365 on real DynamoDB Local and real queues, against the fake Entra and Graph
 * (infra/local/fakes/microsoft.ts) driven through the real MSAL and Graph client libraries:
 * consent, tenant import, full and delta syncs, page sizes asked as Graph honours them,
 * throttling, an expired delta token, redelivery, hand-over, bounded errors, counts that follow
 * the commits (a commit failing once, a real conflict). The 10,000-user / 5,000-device tenant is
 * test/scale/m365.test.ts (`npm run test:scale`).
 */
import { searchTokens } from '../../shared/contacts/contact-search';
import { randomUUID } from 'node:crypto';
import { InternalServerError } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeMicrosoft } from '../../infra/local/fakes/microsoft';
import { handler as syncWorker } from '../../functions/m365/sync-tenant';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { DELTA_PAGE_SIZE, graphFor } from '../../shared/m365/m365.client';
import { TX_ITEM_BUDGET } from '../../shared/m365/m365-sync-writes';
import { beforeDbRequest, countDbRequests } from '../helpers/db-requests';
import { allContactsOf } from '../helpers/data';
import { call, lambdaContext } from '../helpers/http-event';
import { startDemoMicrosoft } from '../../infra/local/stack';
import { bundledHandler } from '../support/bundle';
import { createCompany as company, fakeTenant, linkTenant as link, M365_APP as APP, startM365, type M365Engines } from '../support/m365';

let engines: M365Engines;
let queues: M365Engines['queues'];
let fake: FakeMicrosoft;
let requests: ReturnType<typeof countDbRequests>;

beforeAll(async () => {
  engines = await startM365();
  ({ queues, fake } = engines);
  requests = countDbRequests();
});
afterAll(async () => engines?.stop());
beforeEach(() => requests.reset());

/** Unique within this file's run, for names the search must find. */
const run = Math.random().toString(36).slice(2, 7);
const ctx = (remaining = 900_000): Context => ({ ...lambdaContext, getRemainingTimeInMillis: () => remaining }) as Context;
const tenant = (users = 5, devices = 3) => fakeTenant(fake, users, devices);
/** Runs the worker on everything the m365-sync queue holds, until it is empty. */
const drain = async (context = ctx(), worker: (event: never, context: Context) => Promise<unknown> = syncWorker) => {
  for (let i = 0; i < 50; i++) {
    const event = await queues.take('m365-sync');
    if (!event.Records.length) return;
    await worker(event as never, context);
  }
};
const job = async (id: string) => (await call({ route: 'GET /v1/sync-jobs/{id}', params: { id } })).body;
const contactsOf = (companyId: string) => allContactsOf<{ email: string; status: string; source: string; externalId: string | null; title: string | null }>(companyId);
/**
 * How many new users the first transaction of a page commits: TX_ITEM_BUDGET items less the job's
 * counts and the company counter, each user its contact, email guard, link and search tokens.
 */
const firstTransaction = (contacts: { firstName?: string; lastName?: string; email: string }[]) =>
  Math.floor((TX_ITEM_BUDGET - 2) / (3 + searchTokens(contacts[0] as { firstName: string; lastName: string; email: string }).length));
const sync = async (companyId: string) => {
  const res = await call({ route: 'POST /v1/companies/{id}/m365/sync', params: { id: companyId } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await drain();
  return job(res.body.jobId);
};

describe('consent', () => {
  it('links the tenant named by Microsoft to the company named by the signed state, once, and queues the first sync', async () => {
    const co = await company();
    const t = tenant();
    const consent = await call({ route: 'GET /v1/integrations/m365/consent-url', query: { companyId: co.id } });
    const url = new URL(consent.body.url);
    expect(url.pathname).toBe('/organizations/v2.0/adminconsent');
    expect(url.searchParams.get('client_id')).toBe(APP.clientId);
    // Follow the fake's consent page as the customer's admin would.
    const redirect = await fetch(`${url}&pick=${t.id}`, { redirect: 'manual' });
    const back = new URL(redirect.headers.get('location')!);
    expect(back.searchParams.get('admin_consent')).toBe('True');
    const linked = await call({ route: 'GET /v1/public/m365/callback', query: Object.fromEntries(back.searchParams) });
    expect(linked).toMatchObject({ status: 200, body: { companyId: co.id, tenantId: t.id, jobId: expect.any(String) } });
    const replay = await call({ route: 'GET /v1/public/m365/callback', query: Object.fromEntries(back.searchParams) });
    expect(replay.body.code).toBe('INVALID_STATE');
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body.integrations.m365).toMatchObject({ tenantId: t.id });
    const audit = await call({ route: 'GET /v1/companies/{id}/audit', params: { id: co.id } });
    expect(audit.body.items[0].action).toBe('company.integration_linked');
    await drain();
    expect(await job(linked.body.jobId)).toMatchObject({ status: 'completed', users: { created: 5 }, devices: { created: 3 }, startedAt: expect.any(String), completedAt: expect.any(String) });
  });

  it('links nothing for a forged or expired state, a refusal, or a tenant linked elsewhere', async () => {
    const co = await company();
    const t = tenant();
    expect((await call({ route: 'GET /v1/public/m365/callback', query: { tenant: t.id, admin_consent: 'True', state: 'forged.state' } })).body.code).toBe('INVALID_STATE');
    const { state } = { state: new URL((await call({ route: 'GET /v1/integrations/m365/consent-url', query: { companyId: co.id } })).body.url).searchParams.get('state')! };
    expect((await call({ route: 'GET /v1/public/m365/callback', query: { error: 'access_denied', error_description: 'declined', state } })).body.code).toBe('M365_CONSENT_DENIED');
    const [payload, mac] = state.split('.');
    const tampered = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), e: 1 })).toString('base64url')}.${mac}`;
    expect((await call({ route: 'GET /v1/public/m365/callback', query: { tenant: t.id, admin_consent: 'True', state: tampered } })).body.code).toBe('INVALID_STATE');
    expect((await link(co.id, t.id)).res.status).toBe(200);
    const other = await company();
    const taken = await link(other.id, t.id);
    expect(taken.res).toMatchObject({ status: 409, body: { code: 'M365_TENANT_LINKED' } });
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: other.id } })).body.integrations.m365).toBeNull();
    await drain();
  });
});

describe('sync', () => {
  it('creates contacts and assets, then a re-sync with no changes writes nothing', async () => {
    const co = await company();
    const t = tenant(30, 10);
    await link(co.id, t.id);
    await drain();
    const contacts = await contactsOf(co.id);
    expect(contacts).toHaveLength(30);
    expect(contacts.every((c) => c.source === 'm365' && c.externalId)).toBe(true);
    const assets = (await call({ route: 'GET /v1/assets', query: { companyId: co.id, limit: '100' } })).body.items;
    expect(assets).toHaveLength(10);
    expect(assets.some((a: { kind: string }) => a.kind === 'mobile')).toBe(true);
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body).toMatchObject({ counts: { contacts: 30, assets: 10 }, integrations: { m365: { lastSyncStatus: 'succeeded' } } });

    requests.reset();
    const res = await call({ route: 'POST /v1/companies/{id}/m365/sync', params: { id: co.id } });
    const writesBefore = requests.calls.filter((c) => /Write|Put|Update|Delete/.test(c)).length;
    await drain();
    const again = await job(res.body.jobId);
    expect(again).toMatchObject({ status: 'completed', users: { seen: 0, created: 0, updated: 0 }, devices: { seen: 0, created: 0, updated: 0 } });
    // Only the job's own bookkeeping is written: no record.
    const recordWrites = requests.calls.filter((c) => c === 'TransactWriteItems').length;
    expect(recordWrites - writesBefore).toBeLessThanOrEqual(1);
  });

  it('syncs as the stack bundles the worker, shims in place (MSAL with a client secret, the Graph client)', { timeout: 30_000 }, async () => {
    const bundled = await bundledHandler<never, unknown>('functions/m365/sync-tenant.ts');
    const co = await company();
    const t = tenant(12, 4);
    await link(co.id, t.id);
    await drain(ctx(), bundled);
    expect(await contactsOf(co.id)).toHaveLength(12);
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body).toMatchObject({ counts: { contacts: 12, assets: 4 }, integrations: { m365: { lastSyncStatus: 'succeeded' } } });
  });

  it('writes only what changed: edits, a disabled and a removed user, a new user', async () => {
    const co = await company();
    const t = tenant(20, 4);
    await link(co.id, t.id);
    await drain();
    const users = fake.requests; // keep the fake's log
    expect(users.length).toBeGreaterThan(0);
    const contacts = await contactsOf(co.id);
    const [a, b, c, d] = contacts;
    fake.patch(t.id, 'users', a!.externalId!, { jobTitle: 'CFO', surname: `Renamed${run}` });
    fake.patch(t.id, 'users', b!.externalId!, { accountEnabled: false });
    fake.remove(t.id, 'users', c!.externalId!);
    fake.upsertUser(t.id, { id: randomUUID(), displayName: 'New Person', givenName: 'New', surname: 'Person', mail: `new.person@${t.domain}`, userPrincipalName: `new.person@${t.domain}`, jobTitle: null, mobilePhone: null, businessPhones: [], accountEnabled: true });
    // A staff edit of another field is not overwritten by a sync that did not change it.
    await call({ route: 'PATCH /v1/contacts/{id}', params: { id: (d as unknown as { id: string }).id }, body: { phone: '+1 999' } });
    const result = await sync(co.id);
    expect(result).toMatchObject({ users: { seen: 4, created: 1, updated: 2, deactivated: 2, unchanged: 0 } });
    const after = await contactsOf(co.id);
    expect(after.find((x) => x.externalId === a!.externalId)).toMatchObject({ title: 'CFO', status: 'active' });
    expect(after.find((x) => x.externalId === b!.externalId)!.status).toBe('inactive');
    expect(after.find((x) => x.externalId === c!.externalId)!.status).toBe('inactive');
    expect(after).toHaveLength(21);
    expect((after.find((x) => x.externalId === d!.externalId) as unknown as { phone: string }).phone).toBe('+1 999');
    // The sync's creates, renames and deactivations keep the search index with them.
    const found = async (query: Record<string, string>) => ((await call({ route: 'GET /v1/companies/{id}/contacts', params: { id: co.id }, query })).body.items as { externalId: string }[]).map((x) => x.externalId);
    expect(await found({ q: 'new pers' })).toHaveLength(1);
    expect(await found({ q: `renamed${run}` })).toEqual([a!.externalId]);
    expect((await found({ q: `new.person@${t.domain}`, status: 'active' })).length).toBe(1);
    const inactive = await found({ q: (b as unknown as { firstName: string }).firstName, status: 'inactive' });
    expect(inactive).toContain(b!.externalId);
  });

  it('links a contact created by hand in the same company, and reports one in another company', async () => {
    const co = await company();
    const elsewhere = await company();
    const t = tenant(3, 0);
    const upns = [0, 1].map((i) => {
      const givenName = ['Alex', 'Sam'][i]!;
      return `${givenName}.smith${i}@${t.domain}`.toLowerCase();
    });
    const mine = (await call({ route: 'POST /v1/contacts', body: { firstName: 'Alex', lastName: 'Hand', email: upns[0], companyId: co.id } })).body;
    await call({ route: 'POST /v1/contacts', body: { firstName: 'Sam', lastName: 'Other', email: upns[1], companyId: elsewhere.id } });
    await link(co.id, t.id);
    await drain();
    const contacts = await contactsOf(co.id);
    expect(contacts).toHaveLength(2);
    expect(contacts.find((c) => c.email === upns[0])).toMatchObject({ externalId: expect.any(String) });
    expect((contacts.find((c) => c.email === upns[0]) as unknown as { id: string }).id).toBe(mine.id);
    const jobs = await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } });
    expect(jobs.body.counts.contacts).toBe(2);
    expect((await contactsOf(elsewhere.id))[0]!.externalId).toBeNull();
  });

  it('waits out 429 Retry-After and finishes', async () => {
    const co = await company();
    const t = tenant(4, 2);
    fake.throttle(t.id, 2, 1);
    const started = Date.now();
    await link(co.id, t.id);
    await drain();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(await contactsOf(co.id)).toHaveLength(4);
  });

  it('reads everything again after 410 Gone, and deactivates users removed meanwhile', async () => {
    const co = await company();
    const t = tenant(6, 2);
    await link(co.id, t.id);
    await drain();
    const gone = (await contactsOf(co.id))[0]!;
    fake.remove(t.id, 'users', gone.externalId!);
    fake.expireDeltaTokens(t.id);
    const result = await sync(co.id);
    expect(result.status).toBe('completed');
    expect(result.users).toMatchObject({ deactivated: 1, created: 0 });
    expect(result.errors[0].message).toMatch(/expired/);
    expect((await contactsOf(co.id)).find((c) => c.externalId === gone.externalId)!.status).toBe('inactive');
  });

  it('is idempotent under redelivery, and one sync at a time per company', async () => {
    const co = await company();
    const t = tenant(8, 3);
    const { res } = await link(co.id, t.id);
    const again = await call({ route: 'POST /v1/companies/{id}/m365/sync', params: { id: co.id } });
    expect(again.body.jobId).toBe(res.body.jobId);
    const event = await queues.take('m365-sync');
    await syncWorker(event as never, ctx());
    await syncWorker(event as never, ctx());
    expect(await contactsOf(co.id)).toHaveLength(8);
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body.counts).toMatchObject({ contacts: 8, assets: 3 });
  });

  it('never syncs an archived company, and the scheduler skips it', async () => {
    const co = await company();
    const t = tenant(2, 0);
    await link(co.id, t.id);
    await drain();
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } });
    expect((await call({ route: 'POST /v1/companies/{id}/m365/sync', params: { id: co.id } })).body.code).toBe('COMPANY_ARCHIVED');
    const unlinked = await company();
    expect((await call({ route: 'POST /v1/companies/{id}/m365/sync', params: { id: unlinked.id } })).body.code).toBe('M365_NOT_LINKED');
    await syncWorker({ Records: [{ messageId: 'scheduled', body: JSON.stringify({ type: 'sync-all-linked' }), attributes: { ApproximateReceiveCount: '1' } }] } as never, ctx());
    const queued = await queues.take('m365-sync');
    const jobs = await Promise.all(queued.Records.map(async (r) => (await job(JSON.parse(r.body).jobId)).companyId as string));
    expect(jobs).not.toContain(co.id);
    for (const r of queued.Records) await syncWorker({ Records: [r] } as never, ctx());
  });

  it('stops writing when the company is archived while it syncs: what committed stays, nothing more changes', async () => {
    const co = await company();
    const t = tenant(60, 0);
    const { res } = await link(co.id, t.id);
    let transactions = 0;
    let archived = false;
    const remove = beforeDbRequest(async (command, input) => {
      // The archive lands after the page's first transaction committed, before its second.
      if (!archived && command === 'TransactWriteItems' && JSON.stringify(input).includes(t.id) && ++transactions === 2) {
        archived = true;
        expect((await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } })).status).toBe(200);
      }
    });
    try {
      await syncWorker((await queues.take('m365-sync')) as never, ctx());
    } finally {
      remove();
    }
    const done = await job(res.body.jobId);
    expect(done).toMatchObject({ status: 'failed' });
    expect(JSON.stringify(done.errors)).toMatch(/archived during the sync/);
    const before = await contactsOf(co.id);
    expect(before).toHaveLength(firstTransaction(before)); // the first transaction's, kept as they were
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body).toMatchObject({ status: 'archived', counts: { contacts: before.length } });
  });
});

describe('page size', () => {
  it('asks every delta page with Prefer: odata.maxpagesize, and gets pages of that size', { timeout: 60_000 }, async () => {
    const co = await company();
    const t = tenant(1_500, 0);
    await link(co.id, t.id);
    await drain();
    const deltas = fake.requests.filter((r) => r.tenant === t.id && r.path.startsWith('/v1.0/users/delta'));
    expect(deltas.map((r) => r.returned)).toEqual([DELTA_PAGE_SIZE, 1_500 - DELTA_PAGE_SIZE]);
    expect(deltas.every((r) => r.prefer === `odata.maxpagesize=${DELTA_PAGE_SIZE}` && !r.path.includes('%24top') && !r.path.includes('$top'))).toBe(true);
    expect(await contactsOf(co.id)).toHaveLength(1_500);
  });

  it('the fake pages delta as Graph does: $top ignored, the preference honoured and said so, its own default otherwise', async () => {
    const t = tenant(250, 0);
    const graph = await graphFor(t.id).client();
    const asTop = (await graph.api('/users/delta?$top=7').get()) as { value: unknown[] };
    expect(asTop.value).toHaveLength(100);
    const raw = (await graph.api('/users/delta').header('Prefer', 'odata.maxpagesize=7').responseType(ResponseType.RAW).get()) as Response;
    expect(raw.headers.get('preference-applied')).toBe('odata.maxpagesize=7');
    const first = (await raw.json()) as { value: unknown[]; '@odata.nextLink': string };
    expect(first.value).toHaveLength(7);
    // Each page is sized by its own request: a next link asked without the preference gets the default.
    expect(((await graph.api(first['@odata.nextLink']).get()) as { value: unknown[] }).value).toHaveLength(100);
    // Lists still honour $top.
    expect(((await graph.api('/users?$top=7').get()) as { value: unknown[] }).value).toHaveLength(7);
  });
});

describe('errors and counts', () => {
  it('keeps the first 100 errors and counts them all, for a tenant with thousands of unusable users', { timeout: 120_000 }, async () => {
    const co = await company();
    const t = tenant(2, 0);
    const ids = Array.from({ length: 3_000 }, () => randomUUID());
    // Guests with no mail and an #EXT# principal name: no usable email, one error each.
    ids.forEach((id, i) => fake.upsertUser(t.id, { id, displayName: `Guest ${i}`, givenName: null, surname: null, mail: null, userPrincipalName: `guest${i}_example.com#EXT#@${t.domain}`, jobTitle: null, mobilePhone: null, businessPhones: [], accountEnabled: true }));
    const { res } = await link(co.id, t.id);
    await drain();
    const done = await job(res.body.jobId);
    expect(done).toMatchObject({ status: 'completed', users: { seen: 3_002, created: 2 }, errorCount: 3_000 });
    expect(done.errors).toHaveLength(100);
    expect(done.errors[0]).toEqual({ externalId: ids[0], message: expect.stringMatching(/no usable email/) });
    const item = (await db().send(new GetCommand({ TableName: tableName(), Key: keys.syncJob(res.body.jobId) }))).Item!;
    // The kept errors are items of their own: the job item, which every transaction of the sync updates, stays small.
    expect(JSON.stringify(item).length).toBeLessThan(2_000);
    const kept = (await db().send(new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)', ExpressionAttributeValues: { ':pk': item.pk, ':e': 'SYNCJOB#ERRORS#' }, ConsistentRead: true }))).Items!;
    // Kept once per page that had room (the first page fills them), in their own items.
    expect(kept.flatMap((k) => k.errors)).toEqual(done.errors);
    expect(kept.length).toBeLessThanOrEqual(2);
  });

  it('counts what a page wrote once, when a commit fails once and the page is read again', async () => {
    const co = await company();
    const t = tenant(60, 0);
    const { res } = await link(co.id, t.id);
    let transactions = 0;
    const remove = beforeDbRequest((command, input) => {
      // The second transaction of this tenant's page fails, after the first committed.
      if (command === 'TransactWriteItems' && JSON.stringify(input).includes(t.id) && ++transactions === 2) throw new InternalServerError({ message: 'Injected: internal server error', $metadata: {} });
    });
    try {
      const event = await queues.take('m365-sync');
      await expect(syncWorker(event as never, ctx())).rejects.toThrow();
      const first = await contactsOf(co.id);
      expect(first).toHaveLength(firstTransaction(first)); // the first transaction's
      await syncWorker(event as never, ctx()); // SQS delivers it again
    } finally {
      remove();
    }
    expect(await contactsOf(co.id)).toHaveLength(60);
    const done = await job(res.body.jobId);
    expect(done).toMatchObject({ status: 'completed', users: { seen: 60, created: 60, updated: 0, unchanged: 0 } });
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body.counts.contacts).toBe(60);
  });

  it('does not count a create that a real conflict refused, and says why', async () => {
    const co = await company();
    const elsewhere = await company();
    const t = tenant(1, 0);
    const { res } = await link(co.id, t.id);
    let armed = true;
    const remove = beforeDbRequest(async (command, input) => {
      // Between the sync's read and its write, staff create a contact with the user's email in another company.
      if (!armed || command !== 'TransactWriteItems' || !JSON.stringify(input).includes(t.id)) return;
      armed = false;
      await call({ route: 'POST /v1/contacts', body: { firstName: 'Alex', lastName: 'Elsewhere', email: `alex.smith0@${t.domain}`, companyId: elsewhere.id } });
    });
    try {
      await drain();
    } finally {
      remove();
    }
    const done = await job(res.body.jobId);
    expect(await contactsOf(co.id)).toHaveLength(0);
    expect(done).toMatchObject({ status: 'completed', users: { seen: 1, created: 0 }, errorCount: 1 });
    expect(done.errors[0].message).toMatch(/^create: .*already exists/);
  });

  it('records a contact it could not deactivate after 410 Gone, and does not count it', async () => {
    const co = await company();
    const t = tenant(4, 0);
    await link(co.id, t.id);
    await drain();
    const gone = (await contactsOf(co.id))[0]! as unknown as { id: string; externalId: string };
    fake.remove(t.id, 'users', gone.externalId);
    fake.expireDeltaTokens(t.id);
    let busy = false;
    const remove = beforeDbRequest(async (command, input) => {
      // Each time the sync writes that contact, a staff edit lands first (a real version conflict).
      if (busy || command !== 'TransactWriteItems' || !JSON.stringify(input).includes(gone.id)) return;
      busy = true;
      const current = await call({ route: 'GET /v1/contacts/{id}', params: { id: gone.id } });
      await call({ route: 'PATCH /v1/contacts/{id}', params: { id: gone.id }, body: { title: `Edited ${current.body.version}` } });
      busy = false;
    });
    let result;
    try {
      result = await sync(co.id);
    } finally {
      remove();
    }
    expect(result).toMatchObject({ status: 'completed', users: { deactivated: 0 } });
    expect(result.errors).toContainEqual({ externalId: gone.externalId, message: expect.stringMatching(/^deactivate/) });
    expect((await contactsOf(co.id)).find((c) => c.externalId === gone.externalId)!.status).toBe('active');
  });
});

describe('partner tenants', () => {
  it('lists customer tenants and creates one company per chosen tenant, idempotently; a taken name is that tenant’s error', async () => {
    const a = tenant(2, 1);
    const b = tenant(1, 0);
    const list = await call({ route: 'GET /v1/integrations/m365/tenants' });
    const names = new Map(list.body.items.map((i: { tenantId: string; displayName: string }) => [i.tenantId, i.displayName]));
    await company(names.get(b.id) as string);
    const first = await call({ route: 'POST /v1/integrations/m365/tenants/import', body: { tenantIds: [a.id, b.id] } });
    expect(first.status).toBe(202);
    const [ia, ib] = first.body.items;
    expect(ia).toMatchObject({ tenantId: a.id, companyId: expect.any(String), jobId: expect.any(String), error: null });
    expect(ib).toMatchObject({ tenantId: b.id, companyId: null, error: expect.stringMatching(/COMPANY_NAME_TAKEN/) });
    const second = await call({ route: 'POST /v1/integrations/m365/tenants/import', body: { tenantIds: [a.id] } });
    expect(second.body.items[0].companyId).toBe(ia.companyId);
    const relisted = await call({ route: 'GET /v1/integrations/m365/tenants' });
    expect(relisted.body.items.find((i: { tenantId: string }) => i.tenantId === a.id).companyId).toBe(ia.companyId);
    await drain();
    expect(await contactsOf(ia.companyId)).toHaveLength(2);
  });
});

// `npm start`'s demo partner: the same tenants with the same ids on every start, so companies linked to them stay linked.
it('the demo tenants keep their ids across starts', async () => {
  const a = await startDemoMicrosoft();
  const b = await startDemoMicrosoft();
  try {
    expect(a.tenants()).toHaveLength(4);
    expect(b.tenants()).toEqual(a.tenants());
  } finally {
    await a.stop();
    await b.stop();
  }
});
