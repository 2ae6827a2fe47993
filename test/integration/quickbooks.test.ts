/**
 * QuickBooks Online on a real DynamoDB Local and the fake QuickBooks server, through the real
 * `intuit-oauth` client: connect (signed, expiring state; tokens stored encrypted), token
 * rotation (also under concurrent refreshes), linking (existing, new, name conflict, archived),
 * the (de)activation worker (stale SyncToken, 429, open balance, redelivery, deleted company),
 * and Intuit's rate limits (10 requests in flight and 500 a minute per realm), which the worker
 * backs off from when more than 10 deactivations run at once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import OAuthClient from 'intuit-oauth';
import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import sampleEvent from '../../events/sqs/quickbooks-sync.json';
import { handler as syncHandler } from '../../functions/quickbooks/sync-customer';
import { FAKE_TOKEN_PATH, startFakeQuickBooks, type FakeQuickBooks, type ReceivedRequest } from '../../infra/local/fakes/quickbooks';
import { listAudit } from '../../shared/audit/audit.repository';
import { getCompany } from '../../shared/companies/company.repository';
import { resetSecrets } from '../../shared/crypto/secrets';
import { sign, verify } from '../../shared/crypto/signing';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { ENV, resetEnvCache } from '../../shared/env';
import type { QuickBooksSyncMessage } from '../../shared/quickbooks/quickbooks-sync.schema';
import { oauthClient, refreshStored, throttledWaitMs } from '../../shared/quickbooks/quickbooks.client';
import { getConnection } from '../../shared/quickbooks/quickbooks.repository';
import { ACCOUNTING_SCOPE, AUTHORIZE_ENDPOINT, STATE_PURPOSE } from '../../shared/quickbooks/quickbooks.connect-url';
import { call, lambdaContext } from '../helpers/http-event';
import { bundledHandler } from '../support/bundle';
import { startDynamo } from '../support/dynamo';

const CLIENT_ID = 'clientele-test-app';
const CLIENT_SECRET = randomBytes(16).toString('hex');
const REDIRECT_URI = 'http://127.0.0.1:3000/v1/public/quickbooks/callback';

let stopDb: () => Promise<void>;
let fake: FakeQuickBooks;
beforeAll(async () => {
  ({ stop: stopDb } = await startDynamo());
  fake = await startFakeQuickBooks({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  Object.assign(process.env, {
    [ENV.QUICKBOOKS_CLIENT_ID]: CLIENT_ID,
    [ENV.QUICKBOOKS_CLIENT_SECRET]: CLIENT_SECRET,
    [ENV.QUICKBOOKS_ENVIRONMENT]: 'sandbox',
    [ENV.QUICKBOOKS_REDIRECT_URI]: REDIRECT_URI,
    [ENV.QUICKBOOKS_FAKE_URL]: fake.url,
    [ENV.ENCRYPTION_KEY]: randomBytes(32).toString('base64url'),
  });
  resetEnvCache();
  resetSecrets();
});
afterAll(async () => {
  await fake?.stop();
  await stopDb?.();
});

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;

const connectUrl = async () => {
  const res = await call({ route: 'GET /v1/integrations/quickbooks/connect', groups: ['Admin'] });
  expect(res.status).toBe(200);
  return res.body.url as string;
};
const callback = (query: Record<string, string>) => call({ route: 'GET /v1/public/quickbooks/callback', query });
const queryOf = (url: string) => Object.fromEntries(new URL(url).searchParams);
const connect = async () => {
  const res = await callback(queryOf(await fake.authorize(await connectUrl())));
  expect(res.status).toBe(200);
  return res;
};

const createCompany = async (label = 'Co') => {
  const res = await call({ route: 'POST /v1/companies', body: { name: unique(label) } });
  expect(res.status).toBe(201);
  return res.body as { id: string; name: string };
};
const link = (id: string, body: unknown = {}, groups: ('Admin' | 'MSPAdmin' | 'Technician')[] = ['Admin']) =>
  call({ route: 'POST /v1/companies/{id}/quickbooks/link', params: { id }, body, groups });

const setStatus = (id: string, status: 'active' | 'archived', pending = true) =>
  db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.company(id),
      UpdateExpression: `SET #s = :s, gsi1pk = :pk${pending ? ', integrations.quickbooks.syncStatus = :pending' : ''}`,
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':pk': keys.companyListBucket(status, id), ...(pending ? { ':pending': 'pending' } : {}) },
    }),
  );

const sqsEvent = (message: QuickBooksSyncMessage, receiveCount = 1): SQSEvent => {
  const event = structuredClone(sampleEvent) as unknown as SQSEvent;
  const record = event.Records[0]!;
  record.messageId = randomBytes(8).toString('hex');
  record.body = JSON.stringify(message);
  record.attributes.ApproximateReceiveCount = String(receiveCount);
  return event;
};
const message = (companyId: string, customerId: string, action: 'deactivate' | 'reactivate', reason: 'archive' | 'restore' | 'delete'): QuickBooksSyncMessage => ({
  id: ulid(),
  companyId,
  customerId,
  action,
  reason,
  requestedAt: new Date().toISOString(),
});
const contextWith = (remainingMs: number) => ({ ...lambdaContext, getRemainingTimeInMillis: () => remainingMs }) as Context;
const runWorker = (event: SQSEvent, context: Context = lambdaContext) => syncHandler(event, context) as Promise<SQSBatchResponse>;

const updatesOf = (customerId: string) => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/customer') && (r.body as { Id?: string })?.Id === customerId);

describe('connect', () => {
  it('answers Intuit’s authorize URL with the app, the callback, the accounting scope and a signed, expiring state', async () => {
    const url = new URL(await connectUrl());
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/connect/oauth2`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'com.intuit.quickbooks.accounting' });
    const state = (await verify(STATE_PURPOSE, url.searchParams.get('state')!)) as { sub: string; exp: number };
    expect(state.sub).toEqual(expect.any(String));
    expect(state.exp).toBeGreaterThan(Date.now());
    expect(state.exp).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
  });

  it('is the URL intuit-oauth’s authorizeUri builds for the same app and state', async () => {
    const ours = new URL(await connectUrl());
    const library = new URL(new OAuthClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, environment: 'sandbox', redirectUri: REDIRECT_URI }).authorizeUri({ scope: [OAuthClient.scopes.Accounting], state: ours.searchParams.get('state')! }));
    expect(AUTHORIZE_ENDPOINT).toBe(`${library.origin}${library.pathname}`);
    expect(ACCOUNTING_SCOPE).toBe(OAuthClient.scopes.Accounting);
    expect(Object.fromEntries(ours.searchParams)).toEqual(Object.fromEntries(library.searchParams));
  });

  it('is for integrators only', async () => {
    expect((await call({ route: 'GET /v1/integrations/quickbooks/connect', groups: ['Technician'] })).status).toBe(403);
  });

  it('refuses linking before QuickBooks is connected', async () => {
    const company = await createCompany();
    const res = await link(company.id);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('QUICKBOOKS_NOT_CONNECTED');
  });

  it('exchanges the code, stores the tokens encrypted and records the realm', async () => {
    const res = await connect();
    expect(res.body).toEqual({ connected: true, realmId: fake.realmId });
    const exchange = fake.requests.filter((r) => r.path === '/oauth2/v1/tokens/bearer').at(-1)!;
    expect(exchange.body).toMatchObject({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI });

    const item = (await db().send(new GetCommand({ TableName: tableName(), Key: keys.quickBooksConnection(), ConsistentRead: true }))).Item!;
    const connection = (await getConnection())!;
    expect(item.realmId).toBe(fake.realmId);
    expect(connection.tokens.accessToken.length).toBeGreaterThan(10);
    const stored = JSON.stringify(item);
    expect(stored).not.toContain(connection.tokens.accessToken);
    expect(stored).not.toContain(connection.tokens.refreshToken);
    expect(fake.refreshTokenValid(connection.tokens.refreshToken)).toBe(true);
  });

  it('refuses a forged or expired state, and writes nothing', async () => {
    const before = await getConnection();
    const approved = queryOf(await fake.authorize(await connectUrl()));
    const forged = await callback({ ...approved, state: approved.state!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('INVALID_STATE');
    const expiredState = await sign(STATE_PURPOSE, { sub: 'x', email: null, exp: Date.now() - 1000, nonce: 'n' });
    const expired = await callback({ ...approved, state: expiredState });
    expect(expired.body.code).toBe('INVALID_STATE');
    expect((await callback({ code: approved.code!, realmId: approved.realmId! })).body.code).toBe('INVALID_STATE');
    expect((await getConnection())?.version).toBe(before?.version);
  });

  it('refuses access_denied and a spent code', async () => {
    const denied = await callback(queryOf(await fake.authorize(await connectUrl(), { deny: true })));
    expect(denied.status).toBe(400);
    expect(denied.body.code).toBe('QUICKBOOKS_ACCESS_DENIED');

    const approved = queryOf(await fake.authorize(await connectUrl()));
    expect((await callback(approved)).status).toBe(200);
    const again = await callback(approved);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('QUICKBOOKS_AUTHORIZATION_FAILED');
  });
});

describe('token refresh', () => {
  it('stores the rotated refresh token; the next refresh works; the old one is invalid_grant at Intuit', async () => {
    const first = (await getConnection())!;
    const second = await refreshStored(first);
    expect(second.tokens.refreshToken).not.toBe(first.tokens.refreshToken);
    expect(second.version).toBe(first.version + 1);
    expect((await getConnection())!.tokens).toEqual(second.tokens);

    const third = await refreshStored((await getConnection())!);
    expect((await getConnection())!.tokens.refreshToken).toBe(third.tokens.refreshToken);

    const client = await oauthClient();
    const reuse = await client.refreshUsingToken(first.tokens.refreshToken).then(
      () => undefined,
      (err: { error?: string }) => err.error,
    );
    expect(reuse).toBe('invalid_grant');
  });

  it('does not lose the rotated token when two refreshes race on the same stored version', async () => {
    const read = (await getConnection())!;
    const results = await Promise.all([refreshStored(read), refreshStored(read), refreshStored(read)]);
    const stored = (await getConnection())!;
    expect(stored.version).toBe(read.version + 1);
    for (const r of results) expect(r.tokens.refreshToken).toBe(stored.tokens.refreshToken);
    expect(fake.refreshTokenValid(stored.tokens.refreshToken)).toBe(true);
    await expect(refreshStored(stored)).resolves.toMatchObject({ version: stored.version + 1 });
  });

  it('refreshes and retries when QuickBooks refuses an access token (401)', async () => {
    const before = (await getConnection())!;
    fake.expireAccessTokens();
    const company = await createCompany('Refresh');
    const res = await link(company.id);
    expect(res.status).toBe(200);
    expect((await getConnection())!.version).toBe(before.version + 1);
  });
});

describe('link', () => {
  beforeEach(() => fake.requests.splice(0));

  it('links an existing customer by id, with an audit entry', async () => {
    const company = await createCompany('Existing');
    const customer = fake.seedCustomer({ DisplayName: `QB ${company.name}` });
    const res = await link(company.id, { customerId: customer.Id }, ['MSPAdmin']);
    expect(res.status).toBe(200);
    expect(res.body.integrations.quickbooks).toEqual({ customerId: customer.Id, active: true, syncStatus: 'synced', lastError: null });
    expect(res.body.version).toBe(2);
    expect(res.headers.etag).toBe('"2"');
    expect((await getCompany(company.id, true))!.integrations.quickbooks).toEqual(res.body.integrations.quickbooks);
    const audit = (await listAudit(company.id, 10)).items;
    expect(audit[0]).toMatchObject({ action: 'company.integration_linked', changes: { 'integrations.quickbooks': { from: null, to: { customerId: customer.Id } } } });
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('refuses an unknown customer id with 400 and writes nothing', async () => {
    const company = await createCompany('Unknown');
    const res = await link(company.id, { customerId: '999999' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('QUICKBOOKS_CUSTOMER_NOT_FOUND');
    expect((await getCompany(company.id, true))!.integrations.quickbooks).toBeNull();
  });

  it('creates a customer named after the company; a retry creates nothing more', async () => {
    const company = await createCompany('Created');
    const res = await link(company.id);
    expect(res.status).toBe(200);
    const created = fake.customers().filter((c) => c.DisplayName === company.name);
    expect(created).toHaveLength(1);
    expect(res.body.integrations.quickbooks).toMatchObject({ customerId: created[0]!.Id, active: true, syncStatus: 'synced' });
    expect((await link(company.id)).body.integrations.quickbooks.customerId).toBe(created[0]!.Id);
    expect(fake.customers().filter((c) => c.DisplayName === company.name)).toHaveLength(1);
  });

  it('answers 409 QUICKBOOKS_NAME_CONFLICT when QuickBooks already holds the name', async () => {
    const company = await createCompany('Taken');
    fake.seedCustomer({ DisplayName: company.name.toUpperCase() });
    const res = await link(company.id);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('QUICKBOOKS_NAME_CONFLICT');
    expect((await getCompany(company.id, true))!.integrations.quickbooks).toBeNull();
  });

  it('refuses an archived company before touching QuickBooks', async () => {
    const company = await createCompany('Archived');
    const customer = fake.seedCustomer({ DisplayName: `QB ${company.name}` });
    await setStatus(company.id, 'archived', false);
    fake.requests.splice(0);
    const res = await link(company.id, { customerId: customer.Id });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('COMPANY_ARCHIVED');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a customer already linked to another company', async () => {
    const a = await createCompany('Owner');
    const b = await createCompany('Other');
    const customer = fake.seedCustomer({ DisplayName: `QB ${a.name}` });
    expect((await link(a.id, { customerId: customer.Id })).status).toBe(200);
    const res = await link(b.id, { customerId: customer.Id });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('QUICKBOOKS_CUSTOMER_LINKED');
  });

  it('is for integrators only', async () => {
    const company = await createCompany('Roles');
    expect((await link(company.id, {}, ['Technician'])).status).toBe(403);
  });
});

describe('sync worker', () => {
  /** A company linked to a fresh QuickBooks customer, then archived (sync pending) as the lifecycle does. */
  const archivedLinked = async (balance = 0) => {
    const company = await createCompany('Sync');
    const customer = fake.seedCustomer({ DisplayName: `QB ${company.name}`, Balance: balance });
    expect((await link(company.id, { customerId: customer.Id })).status).toBe(200);
    await setStatus(company.id, 'archived');
    return { company, customer };
  };
  const linkOf = async (id: string) => (await getCompany(id, true))!.integrations.quickbooks;

  it('deactivates the customer with a sparse update and records synced', async () => {
    const { company, customer } = await archivedLinked();
    const out = await runWorker(sqsEvent(message(company.id, customer.Id, 'deactivate', 'archive')));
    expect(out.batchItemFailures).toEqual([]);
    expect(fake.customer(customer.Id)!.Active).toBe(false);
    expect(updatesOf(customer.Id).at(-1)!.body).toEqual({ Id: customer.Id, SyncToken: customer.SyncToken, sparse: true, Active: false });
    expect(updatesOf(customer.Id).at(-1)!.query.minorversion).toBe('75');
    expect(await linkOf(company.id)).toEqual({ customerId: customer.Id, active: false, syncStatus: 'synced', lastError: null });
  });

  it('reactivates on restore', async () => {
    const { company, customer } = await archivedLinked();
    await runWorker(sqsEvent(message(company.id, customer.Id, 'deactivate', 'archive')));
    await setStatus(company.id, 'active');
    expect((await runWorker(sqsEvent(message(company.id, customer.Id, 'reactivate', 'restore')))).batchItemFailures).toEqual([]);
    expect(fake.customer(customer.Id)!.Active).toBe(true);
    expect(await linkOf(company.id)).toEqual({ customerId: customer.Id, active: true, syncStatus: 'synced', lastError: null });
  });

  it('reads a stale SyncToken again (5010) and retries', async () => {
    const { company, customer } = await archivedLinked();
    fake.staleOnce(customer.Id);
    expect((await runWorker(sqsEvent(message(company.id, customer.Id, 'deactivate', 'archive')))).batchItemFailures).toEqual([]);
    const updates = updatesOf(customer.Id);
    expect(updates.map((u) => u.status)).toEqual([400, 200]);
    expect((updates[1]!.body as { SyncToken: string }).SyncToken).toBe('1');
    expect(fake.customer(customer.Id)!.Active).toBe(false);
    expect((await linkOf(company.id))!.syncStatus).toBe('synced');
  });

  it('backs off on 429 (Retry-After) and retries', async () => {
    const { company, customer } = await archivedLinked();
    fake.throttleOnce(1);
    const started = Date.now();
    expect((await runWorker(sqsEvent(message(company.id, customer.Id, 'deactivate', 'archive')))).batchItemFailures).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.requests.some((r) => r.status === 429)).toBe(true);
    expect(fake.customer(customer.Id)!.Active).toBe(false);
    expect((await linkOf(company.id))!.syncStatus).toBe('synced');
  });

  it('leaves the message to SQS when the 429 outlasts the Lambda’s time, and stays pending', async () => {
    const { company, customer } = await archivedLinked();
    fake.throttleOnce(30);
    // One record, failed: Powertools reports a full-batch failure by throwing.
    await expect(runWorker(sqsEvent(message(company.id, customer.Id, 'deactivate', 'archive')), contextWith(5000))).rejects.toThrow();
    expect((await linkOf(company.id))!.syncStatus).toBe('pending');
    expect(fake.customer(customer.Id)!.Active).toBe(true);
  });

  it('records failed with QuickBooks’ reason when an open balance refuses the deactivation', async () => {
    const { company, customer } = await archivedLinked(125.5);
    expect((await runWorker(sqsEvent(message(company.id, customer.Id, 'deactivate', 'archive')))).batchItemFailures).toEqual([]);
    expect(fake.customer(customer.Id)!.Active).toBe(true);
    const state = (await linkOf(company.id))!;
    expect(state).toMatchObject({ syncStatus: 'failed', active: true });
    expect(state.lastError).toContain('open balance');
  });

  it('is harmless when the same message is delivered again', async () => {
    const { company, customer } = await archivedLinked();
    const event = sqsEvent(message(company.id, customer.Id, 'deactivate', 'archive'));
    await runWorker(event);
    const again = structuredClone(event);
    again.Records[0]!.attributes.ApproximateReceiveCount = '2';
    expect((await runWorker(again)).batchItemFailures).toEqual([]);
    expect(updatesOf(customer.Id)).toHaveLength(1);
    expect(await linkOf(company.id)).toEqual({ customerId: customer.Id, active: false, syncStatus: 'synced', lastError: null });
  });

  it('deactivates after a permanent delete without writing or throwing', async () => {
    const { company, customer } = await archivedLinked();
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.company(company.id) }));
    expect((await runWorker(sqsEvent(message(company.id, customer.Id, 'deactivate', 'delete')))).batchItemFailures).toEqual([]);
    expect(fake.customer(customer.Id)!.Active).toBe(false);
    expect((await db().send(new GetCommand({ TableName: tableName(), Key: keys.company(company.id), ConsistentRead: true }))).Item).toBeUndefined();
  });

  it('skips a message for a customer the company is no longer linked to', async () => {
    const { company, customer } = await archivedLinked();
    const other = fake.seedCustomer({ DisplayName: `Other ${company.name}` });
    expect((await runWorker(sqsEvent(message(company.id, other.Id, 'deactivate', 'archive')))).batchItemFailures).toEqual([]);
    expect(fake.customer(other.Id)!.Active).toBe(true);
    expect(fake.customer(customer.Id)!.Active).toBe(true);
    expect((await linkOf(company.id))!.syncStatus).toBe('pending');
  });

  it('works as the stack bundles it, shims in place: refreshes a refused token through intuit-oauth and deactivates', { timeout: 30_000 }, async () => {
    const bundled = await bundledHandler<SQSEvent, SQSBatchResponse>('functions/quickbooks/sync-customer.ts');
    const { company, customer } = await archivedLinked();
    const before = (await getConnection())!;
    fake.expireAccessTokens();
    expect((await bundled(sqsEvent(message(company.id, customer.Id, 'deactivate', 'archive')), lambdaContext)).batchItemFailures).toEqual([]);
    expect((await getConnection())!.version).toBe(before.version + 1);
    expect(fake.customer(customer.Id)!.Active).toBe(false);
    expect(await linkOf(company.id)).toEqual({ customerId: customer.Id, active: false, syncStatus: 'synced', lastError: null });
  });
});

describe('rate limits', () => {
  const bearer = async () => ({ authorization: `Bearer ${(await getConnection(true))!.tokens.accessToken}`, accept: 'application/json' });

  it('answers 429 as Intuit does past 10 requests in flight for a realm', async () => {
    const customer = fake.seedCustomer({ DisplayName: unique('Busy') });
    const headers = await bearer();
    fake.setLatency(200);
    try {
      const answers = await Promise.all(Array.from({ length: 12 }, () => fetch(`${fake.url}/v3/company/${fake.realmId}/customer/${customer.Id}?minorversion=75`, { headers })));
      expect(answers.map((a) => a.status).sort()).toEqual([...Array(10).fill(200), 429, 429]);
      const refused = answers.find((a) => a.status === 429)!;
      expect(refused.headers.get('retry-after')).toBeNull();
      expect(refused.headers.get('intuit_tid')).toEqual(expect.any(String));
      expect(await refused.json()).toMatchObject({ fault: { error: [{ code: '3001', message: expect.stringContaining('ThrottleExceeded') }] } });
    } finally {
      fake.setLatency(0);
    }
    expect(fake.peakInFlight()).toBe(10);
  });

  it('answers 429 past 500 requests in a minute for a realm, and serves again a minute later', { timeout: 30_000 }, async () => {
    let now = Date.now();
    const own = await startFakeQuickBooks({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, now: () => now });
    try {
      const customer = own.seedCustomer({ DisplayName: 'Counted Ltd' });
      const back = new URL(await own.authorize(`${own.url}/connect/oauth2?${new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', scope: ACCOUNTING_SCOPE, state: 's' })}`));
      const tokens = (await (
        await fetch(`${own.url}${FAKE_TOKEN_PATH}`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI }),
        })
      ).json()) as { access_token: string };
      const read = () => fetch(`${own.url}/v3/company/${own.realmId}/customer/${customer.Id}?minorversion=75`, { headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' } });
      for (let i = 0; i < 500; i += 10) expect((await Promise.all(Array.from({ length: 10 }, read))).every((r) => r.status === 200)).toBe(true);
      const over = await read();
      expect(over.status).toBe(429);
      expect(await over.json()).toMatchObject({ fault: { error: [{ code: '3001' }] } });
      now += 60_000;
      expect((await read()).status).toBe(200);
    } finally {
      await own.stop();
    }
  });

  it('waits Retry-After when Intuit sends one, else a jittered exponential backoff', () => {
    expect(throttledWaitMs(1, '3')).toBe(3000);
    expect(throttledWaitMs(4, new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    for (const attempt of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const step = Math.min(8000, 250 * 2 ** (attempt - 1));
      const waits = Array.from({ length: 50 }, () => throttledWaitMs(attempt));
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(step / 2);
      expect(Math.max(...waits)).toBeLessThanOrEqual(step);
      expect(new Set(waits).size).toBeGreaterThan(40); // jittered: callers refused together do not retry together
    }
  });

  it('backs off when more than 10 deactivations run at once, and every one succeeds (through intuit-oauth)', { timeout: 60_000 }, async () => {
    const linked: { company: { id: string }; customer: { Id: string } }[] = [];
    for (let i = 0; i < 20; i++) {
      const company = await createCompany('Burst');
      const customer = fake.seedCustomer({ DisplayName: `QB ${company.name}` });
      expect((await link(company.id, { customerId: customer.Id })).status).toBe(200);
      await setStatus(company.id, 'archived');
      linked.push({ company, customer });
    }
    const from = fake.requests.length;
    fake.setLatency(150);
    let outs: SQSBatchResponse[];
    try {
      // Four Lambdas at once, each with a batch of five (the stack's batch size), each batch processed in parallel.
      outs = await Promise.all(
        [0, 5, 10, 15].map((start) => {
          const event = sqsEvent(message(linked[start]!.company.id, linked[start]!.customer.Id, 'deactivate', 'archive'));
          event.Records = linked.slice(start, start + 5).map(({ company, customer }) => sqsEvent(message(company.id, customer.Id, 'deactivate', 'archive')).Records[0]!);
          return runWorker(event);
        }),
      );
    } finally {
      fake.setLatency(0);
    }
    expect(outs.flatMap((o) => o.batchItemFailures)).toEqual([]);
    for (const { company, customer } of linked) {
      expect(fake.customer(customer.Id)!.Active).toBe(false);
      expect((await getCompany(company.id, true))!.integrations.quickbooks).toMatchObject({ active: false, syncStatus: 'synced' });
    }
    const mine = fake.requests.slice(from).filter((r) => r.path.startsWith('/v3/'));
    const target = (r: ReceivedRequest) => (r.method === 'GET' ? r.path.split('/').at(-1) : (r.body as { Id?: string }).Id);
    const refused = mine.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(fake.peakInFlight()).toBe(10);
    // Each refused call was tried again for the same customer, no sooner than half the first backoff step.
    for (const r of refused) {
      const retry = mine.find((x) => x.at > r.at && target(x) === target(r));
      expect(retry).toBeDefined();
      expect(retry!.at - r.at).toBeGreaterThanOrEqual(125 - 5);
    }
  });
});

// The package's own client is what the code drives: its endpoints point at the fake.
it('drives intuit-oauth at the fake', () => {
  expect(OAuthClient.tokenEndpoint).toBe(`${fake.url}/oauth2/v1/tokens/bearer`);
  expect(OAuthClient.environment.sandbox).toBe(`${fake.url}/`);
});

// `npm start` keeps the fake's state beside the database, so a restart keeps QuickBooks connected.
it('the fake keeps its realm, customers and tokens in its state file across a restart', async () => {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'clientele-qb-')), 'quickbooks.json');
  const first = await startFakeQuickBooks({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, stateFile });
  const customer = first.seedCustomer({ DisplayName: 'Kept Ltd' });
  const back = new URL(await first.authorize(`${first.url}/connect/oauth2?${new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'com.intuit.quickbooks.accounting', state: 's' })}`));
  const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
  const grant = (form: Record<string, string>, at: string) =>
    fetch(`${at}${FAKE_TOKEN_PATH}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  const tokens = (await (await grant({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI }, first.url)).json()) as { access_token: string; refresh_token: string };
  await first.stop();

  const second = await startFakeQuickBooks({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, stateFile });
  try {
    expect(second.realmId).toBe(first.realmId);
    expect(second.customer(customer.Id)).toMatchObject({ DisplayName: 'Kept Ltd', Active: true });
    const read = await fetch(`${second.url}/v3/company/${second.realmId}/customer/${customer.Id}?minorversion=75`, { headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' } });
    expect(read.status).toBe(200);
    expect((await grant({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, second.url)).status).toBe(200);
    expect(second.refreshTokenValid(tokens.refresh_token)).toBe(false); // rotated, and that is kept too
  } finally {
    await second.stop();
  }
});
