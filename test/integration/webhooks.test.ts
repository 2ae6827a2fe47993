/**
 * Webhooks (API.md v1.1 "CRM sync") through the real parts: a change committed to DynamoDB
 * Local reaches the capture consumer on the table's stream, which writes a delivery and its
 * first attempt's outbox item; the relay queues it (fauxqs), and the worker POSTs it to a
 * local receiver that verifies the Standard Webhooks signature with the spec's own library.
 * Retries, giving up, pausing, the loop guard and the SSRF guard at delivery time are shown
 * with the retry schedule run at a later "now".
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as deliverHandler } from '../../functions/webhooks/deliver';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { captureChanges, MAX_ATTEMPTS, retryDueDeliveries } from '../../shared/webhooks/delivery';
import { call, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true, streamConsumers: ['outbox-relay', 'webhook-capture'] });

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1: answers each POST with the next scripted status (200 once the script is used up). */
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
let script: number[] = [];
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = script.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => new Promise<void>((resolve) => receiver.close(() => resolve())));

const hooks: string[] = [];
beforeEach(async () => {
  // Each test sees only its own webhooks' deliveries.
  for (const id of hooks.splice(0)) await call({ route: 'DELETE /v1/webhooks/{id}', params: { id } });
  await pump();
  received = [];
  script = [];
});

/** Everything committed reaches the queue (capture, then relay), and the worker runs what is there. */
const pump = async () => {
  for (let i = 0; i < 4; i++) {
    await engines.queues.flush();
    while ((await engines.queues.deliver('webhooks', (e) => deliverHandler(e as never, lambdaContext))) > 0) await engines.queues.flush();
  }
};

const createHook = async (body: Record<string, unknown> = {}) => {
  const res = await call({ route: 'POST /v1/webhooks', body: { url: receiverUrl, events: ['company.*', 'contact.*', 'contract.*'], ...body } });
  expect(res.status).toBe(201);
  hooks.push(res.body.id);
  return res.body as { id: string; secret: string; version: number };
};
const deliveries = async (id: string) =>
  (await call({ route: 'GET /v1/webhooks/{id}/deliveries', params: { id } })).body.items as {
    id: string;
    eventType: string;
    status: string;
    attempts: { statusCode: number | null; error: string | null }[];
    nextAttemptAt: string | null;
    payload: { type: string; data: Record<string, unknown>; origin: string | null };
  }[];
const company = async () => (await call({ route: 'POST /v1/companies', body: { name: unique('Hook Co') } })).body as { id: string; name: string; version: number };
const verified = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) }) as {
    type: string;
    data: Record<string, unknown>;
  };

describe('webhook subscriptions', () => {
  it('show the secret once, keep it sealed, and list, change and delete the subscription', async () => {
    const hook = await createHook({ events: ['company.*'], system: 'hubspot' });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await call({ route: 'GET /v1/webhooks/{id}', params: { id: hook.id } });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ ...hook, secret: undefined, system: 'hubspot', active: true, description: null, events: ['company.*'], url: receiverUrl, updatedAt: expect.any(String), createdAt: expect.any(String) });
    expect(JSON.stringify(got.body)).not.toContain(hook.secret.slice(6));
    const stored = (await db().send(new GetCommand({ TableName: tableName(), Key: keys.webhook(hook.id) }))).Item!;
    expect(JSON.stringify(stored)).not.toContain(hook.secret.slice(6));
    const list = await call({ route: 'GET /v1/webhooks' });
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(hook.id);
    expect(JSON.stringify(list.body)).not.toContain('secret');

    const patched = await call({ route: 'PATCH /v1/webhooks/{id}', params: { id: hook.id }, body: { events: ['contact.updated'], active: false }, headers: { 'if-match': '"1"' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['contact.updated'], active: false, version: 2 });
    expect((await call({ route: 'PATCH /v1/webhooks/{id}', params: { id: hook.id }, body: { active: true }, headers: { 'if-match': '"1"' } })).status).toBe(412);
    expect((await call({ route: 'DELETE /v1/webhooks/{id}', params: { id: hook.id } })).status).toBe(204);
    expect((await call({ route: 'GET /v1/webhooks/{id}', params: { id: hook.id } })).status).toBe(404);
    expect((await call({ route: 'GET /v1/webhooks/{id}/deliveries', params: { id: hook.id } })).status).toBe(404);
  });

  it('refuse URLs that are not https or point inside (SSRF), and bad event names, with 400s', async () => {
    for (const url of ['http://example.com/hook', 'https://10.1.2.3/hook', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/hook', 'https://[fd00::1]/hook', 'https://192.168.1.1/', 'ftp://example.com/', 'https://user:pw@example.com/', 'not a url', 'http://127.0.0.2/hook']) {
      const res = await call({ route: 'POST /v1/webhooks', body: { url, events: ['company.*'] } });
      expect(res.status, url).toBe(400);
      expect(res.body.code, url).toBe('VALIDATION_FAILED');
      expect(res.body.errors[0].path, url).toBe('/url');
    }
    const bad = await call({ route: 'POST /v1/webhooks', body: { url: receiverUrl, events: ['company.renamed'] } });
    expect(bad.status).toBe(400);
    expect((await call({ route: 'POST /v1/webhooks', body: { url: receiverUrl, events: [] } })).status).toBe(400);
  });

  it('are for Admin and MSPAdmin only', async () => {
    for (const groups of [['Technician'], ['ComplianceAdmin']] as const) {
      expect((await call({ route: 'GET /v1/webhooks', groups: [...groups] })).status).toBe(403);
      expect((await call({ route: 'POST /v1/webhooks', groups: [...groups], body: { url: receiverUrl, events: ['company.*'] } })).status).toBe(403);
    }
  });
});

describe('deliveries', () => {
  it('POST each change signed per Standard Webhooks, with the resource as the API shows it, and log it', async () => {
    const hook = await createHook();
    const co = await company();
    await pump();
    expect(received).toHaveLength(1);
    const event = verified(hook.secret, received[0]!);
    expect(event.type).toBe('company.created');
    expect(event.data).toMatchObject({ id: co.id, name: co.name, status: 'active' });
    expect(received[0]!.headers['webhook-id']).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    const log = await deliveries(hook.id);
    expect(log).toEqual([expect.objectContaining({ id: received[0]!.headers['webhook-id'], eventType: 'company.created', status: 'succeeded', nextAttemptAt: null, attempts: [expect.objectContaining({ statusCode: 200, error: null })] })]);
    // The delivery is off the due index once it ended.
    const item = (await db().send(new GetCommand({ TableName: tableName(), Key: keys.webhookDelivery(hook.id, log[0]!.id) }))).Item!;
    expect(item.gsi2pk).toBeUndefined();
  });

  it('retry after a 500 with the same webhook-id, a fresh signature, and succeed', async () => {
    const hook = await createHook({ events: ['company.updated'] });
    const co = await company();
    script = [500];
    await call({ route: 'PATCH /v1/companies/{id}', params: { id: co.id }, body: { phone: '+1 555 0100' } });
    await pump();
    expect(received).toHaveLength(1);
    let [d] = await deliveries(hook.id);
    expect(d).toMatchObject({ eventType: 'company.updated', status: 'pending', attempts: [{ statusCode: 500, error: null }] });
    // The first retry is 30 s later: its message waits on the queue, delayed (not visible yet).
    const wait = Date.parse(d!.nextAttemptAt!) - Date.parse((d as unknown as { attempts: { at: string }[] }).attempts[0]!.at);
    expect(wait).toBe(30_000);
    expect((await engines.queues.take('webhooks')).Records).toHaveLength(0);
    // Had that message been lost, the schedule queues the attempt once it is overdue.
    expect(await retryDueDeliveries(new Date(Date.now() + 60_000))).toEqual({ queued: 0, skipped: 0 });
    expect((await retryDueDeliveries(new Date(Date.now() + 31 * 60_000))).queued).toBe(1);
    await pump();
    expect(received).toHaveLength(2);
    expect(received[1]!.headers['webhook-id']).toBe(received[0]!.headers['webhook-id']);
    expect(verified(hook.secret, received[1]!).data).toMatchObject({ id: co.id, phone: '+1 555 0100' });
    [d] = await deliveries(hook.id);
    expect(d).toMatchObject({ status: 'succeeded', nextAttemptAt: null, attempts: [{ statusCode: 500 }, { statusCode: 200 }] });
  });

  it(`give up after ${MAX_ATTEMPTS} failed attempts within 24 h`, async () => {
    const hook = await createHook({ events: ['company.created'] });
    script = Array(MAX_ATTEMPTS).fill(503);
    await company();
    await pump();
    let later = Date.now();
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      later += 9 * 3600_000;
      await retryDueDeliveries(new Date(later));
      await pump();
    }
    expect(received).toHaveLength(MAX_ATTEMPTS);
    const [d] = await deliveries(hook.id);
    expect(d).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(d!.attempts).toHaveLength(MAX_ATTEMPTS);
    expect(await retryDueDeliveries(new Date(later + 48 * 3600_000))).toEqual({ queued: 0, skipped: 0 });
  });

  it('tell only what a receiver can see: no event for a counter, archived and restored companies, contacts and contracts', async () => {
    const hook = await createHook();
    const co = await company();
    const contact = (await call({ route: 'POST /v1/contacts', body: { firstName: 'Ada', lastName: 'Hook', email: `ada.${run}.${++n}@client.example`, companyId: co.id } })).body;
    // A ticket moves the company's counters: nothing a receiver of company events is told.
    expect((await call({ route: 'POST /v1/tickets', body: { companyId: co.id, subject: 'Printer' } })).status).toBe(201);
    await call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: contact.id } });
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id }, body: { reason: 'Left' }, groups: ['Admin'] });
    await call({ route: 'POST /v1/companies/{id}/restore', params: { id: co.id }, groups: ['Admin'] });
    await call({ route: 'DELETE /v1/contacts/{id}', params: { id: contact.id } });
    const contract = (body: Record<string, unknown>) => call({ route: 'POST /v1/companies/{id}/contracts', params: { id: co.id }, body: { type: 'break_fix', startDate: '2026-01-01', hourlyRate: '120', ...body } });
    const kept = (await contract({ name: 'Break/fix' })).body;
    const dropped = (await contract({ name: 'Draft only' })).body;
    expect((await call({ route: 'POST /v1/contracts/{id}/activate', params: { id: kept.id } })).status).toBe(200);
    expect((await call({ route: 'POST /v1/contracts/{id}/cancel', params: { id: kept.id } })).status).toBe(200);
    expect((await call({ route: 'DELETE /v1/contracts/{id}', params: { id: dropped.id } })).status).toBe(204);
    await pump();
    // Deliveries run side by side, so they may arrive in any order; the ids of one item's events sort as its changes happened.
    const inOrder = [...received].sort((a, b) => String(a.headers['webhook-id']).localeCompare(String(b.headers['webhook-id'])));
    const types = inOrder.map((r) => verified(hook.secret, r).type);
    expect(types.filter((t) => t.startsWith('company.'))).toEqual(['company.created', 'company.archived', 'company.updated']);
    expect(types.filter((t) => t.startsWith('contact.'))).toEqual(['contact.created', 'contact.archived', 'contact.deleted']);
    const of = (id: string) => inOrder.map((r) => verified(hook.secret, r)).filter((e) => e.data.id === id).map((e) => e.type);
    expect(of(kept.id)).toEqual(['contract.created', 'contract.updated', 'contract.archived']);
    expect(of(dropped.id)).toEqual(['contract.created', 'contract.deleted']);
    const deleted = received.map((r) => verified(hook.secret, r)).find((e) => e.type === 'contact.deleted')!;
    expect(deleted.data).toMatchObject({ id: contact.id, email: contact.email });
  });

  it('send nothing back to the system a change came from (the loop guard), and tell the others where it came from', async () => {
    const crm = await createHook({ events: ['company.updated'], system: 'hubspot' });
    const other = await createHook({ events: ['company.updated'], url: receiverUrl.replace('/hooks', '/other') });
    const co = await company();
    // As the inbound upsert writes it: the change's version marked as synced from hubspot.
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.company(co.id),
        UpdateExpression: 'SET phone = :p, syncedFrom = :s, version = :v',
        ExpressionAttributeValues: { ':p': '+44 20 0000', ':s': { system: 'hubspot', version: co.version + 1 }, ':v': co.version + 1 },
      }),
    );
    await pump();
    expect(await deliveries(crm.id)).toEqual([]);
    const [d] = await deliveries(other.id);
    expect(d!.payload).toMatchObject({ type: 'company.updated', origin: 'hubspot' });
    // Our own next change is ours again: the CRM hears of it.
    await call({ route: 'PATCH /v1/companies/{id}', params: { id: co.id }, body: { phone: '+44 20 1111' } });
    await pump();
    expect((await deliveries(crm.id)).map((x) => x.payload.origin)).toEqual([null]);
  });

  it('send a CRM nothing of its own upserts, even when it echoes our change back, and end the loop there', async () => {
    const crm = await createHook({ events: ['company.*'], system: 'hubspot' });
    const name = unique('Upserted Co');
    const upsert = (body: Record<string, unknown>) => call({ route: 'PUT /v1/external/{system}/companies/{externalId}', params: { system: 'hubspot', externalId: `hs-${run}-${n}` }, body });
    const created = await upsert({ name, phone: '+1 555 0001' });
    expect(created.status).toBe(201);
    await upsert({ name, phone: '+1 555 0002' });
    await pump();
    expect(await deliveries(crm.id)).toEqual([]);
    // Our own change goes to the CRM; it echoes it back unchanged, which writes nothing and sends nothing.
    await call({ route: 'PATCH /v1/companies/{id}', params: { id: created.body.id }, body: { phone: '+1 555 0003' } });
    await pump();
    expect((await upsert({ name, phone: '+1 555 0003' })).status).toBe(200);
    await pump();
    const log = await deliveries(crm.id);
    expect(log.map((d) => [d.eventType, d.payload.origin, d.payload.data.phone])).toEqual([['company.updated', null, '+1 555 0003']]);
  });

  it('cancel what a paused webhook had pending, and capture nothing for it while paused', async () => {
    const hook = await createHook({ events: ['company.created'] });
    script = [500];
    await company();
    await pump();
    await call({ route: 'PATCH /v1/webhooks/{id}', params: { id: hook.id }, body: { active: false } });
    await retryDueDeliveries(new Date(Date.now() + 31 * 60_000));
    await pump();
    await company();
    await pump();
    expect(received).toHaveLength(1);
    expect((await deliveries(hook.id)).map((d) => d.status)).toEqual(['cancelled']);
  });

  it('refuse at delivery time an address that is not allowed, without connecting', async () => {
    const hook = await createHook({ events: ['company.created'] });
    // Changed behind the API's back (or a name that now resolves inside): 127.0.0.2 is loopback, not one of the local names allowed.
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.webhook(hook.id), UpdateExpression: 'SET #u = :u', ExpressionAttributeNames: { '#u': 'url' }, ExpressionAttributeValues: { ':u': 'https://127.0.0.2/hooks' } }));
    await company();
    await pump();
    expect(received).toHaveLength(0);
    const [d] = await deliveries(hook.id);
    expect(d).toMatchObject({ status: 'pending', attempts: [{ statusCode: null, error: expect.stringContaining('private, loopback') }] });
  });

  it('capture a stream record read twice once', async () => {
    const hook = await createHook({ events: ['contract.created'] });
    const image = { pk: 'CONTRACT#01HZX0000000000000000000AA', sk: 'CONTRACT', id: '01HZX0000000000000000000AA', companyId: '01HZX0000000000000000000AB', name: 'Replay', contractType: 'managed', status: 'draft', version: 1, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() };
    const record = { eventID: `replay-${run}`, eventName: 'INSERT', dynamodb: { Keys: marshall({ pk: image.pk, sk: image.sk }), NewImage: marshall(image), SequenceNumber: '1', ApproximateCreationDateTime: Date.now() / 1000 } } as unknown as DynamoDBRecord;
    expect(await captureChanges({ Records: [record] })).toEqual({ batchItemFailures: [] });
    expect(await captureChanges({ Records: [record] })).toEqual({ batchItemFailures: [] });
    await pump();
    expect(received).toHaveLength(1);
    expect((await deliveries(hook.id)).map((d) => d.eventType)).toEqual(['contract.created']);
  });
});
