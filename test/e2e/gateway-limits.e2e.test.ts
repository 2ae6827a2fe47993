/**
 * The gateway's own limits, on the whole local stack with throttling on (as on AWS): each route's
 * token bucket from the route table (`throttleOf`), refused with `429 THROTTLED` and
 * `Retry-After`; a URL or headers past the gateway's limits get a problem document (`414
 * URI_TOO_LONG`, `431 HEADERS_TOO_LARGE`) like every other error, before any token is checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_MAX_HEADERS, GATEWAY_MAX_URL, tokenBuckets } from '../../infra/local/gateway';
import { findRoute, poolThrottle, throttleOf } from '../../shared/routes';
import { login, startStack, type TestStack } from '../support/stack';

let stack: TestStack;
let admin: string;
beforeAll(async () => {
  stack = await startStack({ throttle: true });
  const user = stack.info.users.find((u) => u.groups[0] === 'Admin')!;
  admin = (await login(stack.info, user.email, user.password, 'staff')).idToken;
});
afterAll(async () => stack?.stop());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.info.apiUrl}${path}`, { headers });

const expectProblem = async (res: Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(await res.json()).toMatchObject({ status, code });
};

describe('token bucket (the local stand-in for API Gateway route throttling)', () => {
  it('lets a burst through, then refills at the rate, per key', () => {
    let now = 0;
    const take = tokenBuckets(() => now);
    const limit = { rateLimit: 2, burstLimit: 3 };
    expect([take('a', limit), take('a', limit), take('a', limit)]).toEqual([0, 0, 0]);
    expect(take('a', limit)).toBe(1); // empty: one token comes in 0.5 s, said as whole seconds
    expect(take('b', limit)).toBe(0); // another route has its own bucket
    now += 500;
    expect(take('a', limit)).toBe(0);
    expect(take('a', limit)).toBeGreaterThan(0);
    now += 60_000; // a long pause refills to the burst, not beyond
    expect([take('a', limit), take('a', limit), take('a', limit), take('a', limit)].filter((w) => w === 0)).toHaveLength(3);
  });
});

describe('route throttling', () => {
  it('answers 429 THROTTLED with Retry-After past a public route\'s burst, and no other route is charged for it', async () => {
    const route = findRoute('GET /v1/openapi.json')!;
    const limit = throttleOf(route);
    expect(limit).toEqual(poolThrottle.public);
    // Enough beyond the burst that a slow machine, refilling while they arrive, still runs the bucket dry.
    const extra = limit.rateLimit * 4;
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: limit.burstLimit + extra }, () => get('/v1/openapi.json')));
    const elapsedSeconds = (Date.now() - started) / 1000;
    const passed = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status === 429);
    expect(passed.length + refused.length).toBe(answers.length);
    // The burst passes, plus what the rate refilled while the requests were arriving.
    expect(passed.length).toBeGreaterThanOrEqual(limit.burstLimit);
    expect(passed.length).toBeLessThanOrEqual(limit.burstLimit + Math.ceil(elapsedSeconds * limit.rateLimit));
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expectProblem(r, 429, 'THROTTLED');
    }
    await Promise.all(passed.map((r) => r.arrayBuffer()));

    // A staff route keeps its own bucket, and the throttled route recovers after Retry-After.
    expect((await get('/v1/companies', { authorization: `Bearer ${admin}` })).status).toBe(200);
    await new Promise((r) => setTimeout(r, Number(refused[0]!.headers.get('retry-after')) * 1000));
    expect((await get('/v1/openapi.json')).status).toBe(200);
  });

  it('throttles before the authorizer, as API Gateway does: a flood of bad tokens is throttled too', async () => {
    const limit = throttleOf(findRoute('GET /v1/portal/me')!);
    const answers = await Promise.all(Array.from({ length: limit.burstLimit + limit.rateLimit * 4 }, () => get('/v1/portal/me', { authorization: 'Bearer not-a-token' })));
    const statuses = new Set(answers.map((r) => r.status));
    expect([...statuses].sort()).toEqual([401, 429]);
    await Promise.all(answers.map((r) => r.arrayBuffer()));
  });
});

describe('URL and header limits', () => {
  it(`answers 414 URI_TOO_LONG for a URL over ${GATEWAY_MAX_URL} characters, token or not`, async () => {
    const long = `/v1/companies?q=${'a'.repeat(GATEWAY_MAX_URL)}`;
    await expectProblem(await get(long, { authorization: `Bearer ${admin}` }), 414, 'URI_TOO_LONG');
    await expectProblem(await get(long), 414, 'URI_TOO_LONG');
    await expectProblem(await get(`/v1/${'x'.repeat(GATEWAY_MAX_URL)}`), 414, 'URI_TOO_LONG');
    // Just inside the limit it reaches the route (which judges the query itself).
    const inside = await get(`/v1/companies?q=${'a'.repeat(GATEWAY_MAX_URL - 40)}`, { authorization: `Bearer ${admin}` });
    expect(inside.status).not.toBe(414);
    expect(inside.status).toBeLessThan(500);
  });

  it(`answers 431 HEADERS_TOO_LARGE for headers over ${GATEWAY_MAX_HEADERS} bytes, also past Node's own parser limit`, async () => {
    await expectProblem(await get('/v1/companies', { authorization: `Bearer ${admin}`, 'x-padding': 'p'.repeat(GATEWAY_MAX_HEADERS) }), 431, 'HEADERS_TOO_LARGE');
    // Many headers that are each small add up the same way.
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-pad-${i}`, 'p'.repeat(500)]));
    await expectProblem(await get('/v1/openapi.json', many), 431, 'HEADERS_TOO_LARGE');
    // Far past Node's limit, the request cannot even be parsed: still a problem document, not a bare status.
    await expectProblem(await get('/v1/openapi.json', { 'x-padding': 'p'.repeat(GATEWAY_MAX_HEADERS * 8) }), 431, 'HEADERS_TOO_LARGE');
    // An ordinary request on a fresh connection is served as before.
    expect((await get('/v1/companies', { authorization: `Bearer ${admin}` })).status).toBe(200);
  });
});
