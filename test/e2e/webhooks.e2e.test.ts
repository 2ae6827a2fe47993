/**
 * CRM sync's outbound half through the local stack as `npm start` runs it: an Admin subscribes a
 * receiver on this machine over the local gateway, a company change reaches it signed per
 * Standard Webhooks (verified with the spec's own library), a `500` is retried within a minute
 * with the same `webhook-id`, and the delivery log shows both attempts. Nothing here calls a
 * handler directly: the stream, relay, queue, worker and schedule are the local stack's.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, useStack } from '../support/api';

const e2e = useStack(['Admin', 'Technician']);
const api: Api = (...args) => e2e.api(...args);
const tokens = e2e.tokens;

interface Received {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
const script: number[] = [];
let receiver: Server;
let receiverUrl: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ at: Date.now(), headers: req.headers, body });
      res.statusCode = script.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/clientele`;
});
afterAll(async () => new Promise<void>((resolve) => receiver?.close(() => resolve())));

const waitFor = async <T>(probe: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
};

describe('webhooks over HTTP', () => {
  it('deliver a signed company change, retry a 500 within a minute under the same webhook-id, and log both attempts', async () => {
    expect((await api('POST', '/v1/webhooks', { token: tokens.Technician, body: { url: receiverUrl, events: ['company.*'] } })).status).toBe(403);
    const hook = await api('POST', '/v1/webhooks', { token: tokens.Admin, body: { url: receiverUrl, events: ['company.created'], description: 'CRM' } });
    expect(hook.status).toBe(201);
    expect(hook.headers.get('location')).toBe(`/v1/webhooks/${hook.body.id}`);
    const secret = hook.body.secret as string;

    script.push(500);
    const name = `E2E Hooked ${Date.now()}`;
    const company = await api('POST', '/v1/companies', { token: tokens.Admin, body: { name } });
    expect(company.status).toBe(201);

    const first = await waitFor(() => received[0], 30_000);
    const second = await waitFor(() => received[1], 75_000);
    expect(second.at - first.at).toBeLessThanOrEqual(60_000);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    for (const r of [first, second]) {
      const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
      expect(new Webhook(secret).verify(r.body, headers)).toMatchObject({ type: 'company.created', data: { id: company.body.id, name } });
    }

    const log = await waitFor(async () => {
      const res = await api('GET', `/v1/webhooks/${hook.body.id}/deliveries`, { token: tokens.Admin });
      return res.body.items?.[0]?.status === 'succeeded' ? res.body.items : undefined;
    }, 10_000);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ id: first.headers['webhook-id'], eventType: 'company.created', attempts: [{ statusCode: 500 }, { statusCode: 200 }] });
    expect(JSON.stringify((await api('GET', `/v1/webhooks/${hook.body.id}`, { token: tokens.Admin })).body)).not.toContain(secret.slice(6));
  }, 150_000);
});
