/**
 * What the logs hold. Every line written while representative flows run on the whole local stack
 * (portal invite, set-up and password reset; QuickBooks connect and its callback, replayed and
 * forged; Microsoft 365 admin consent and its callback, replayed and denied; the workers these
 * queue) is captured: the functions' Powertools lines on stdout and stderr, and the gateway's,
 * workers' and triggers' own lines. The test then looks in them for every secret the flows used
 * (OAuth codes and states, set-up and reset tokens and links, passwords, JWTs, QuickBooks tokens,
 * the app secrets and keys) and checks that each line names the function that wrote it (an
 * area's function for the routes it serves).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Debug lines too: a secret logged "only at debug level" is still logged.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
});

import { nextOutboxToken } from '../../infra/local/engines/ses';
import { functionNameOf } from '../../infra/local/handlers';
import { ENV } from '../../shared/env';
import { apiFunctionOf, findRoute } from '../../shared/routes';
import { getConnection } from '../../shared/quickbooks/quickbooks.repository';
import { apiClient, PORTAL_PASSWORD, portalUser, staffToken, type Api } from '../support/api';
import { login, startStack, type TestStack } from '../support/stack';

let stack: TestStack;
let api: Api;
let admin: string;
/** Every line written, and by which channel. */
const lines: { from: 'stdout' | 'stderr' | 'stack'; text: string }[] = [];
/** Secrets the flows used, by what they are. */
const secrets = new Map<string, string>();
const remember = (what: string, value: string | undefined | null) => {
  if (value && value.length >= 6) secrets.set(value, what);
};

const capture = (stream: NodeJS.WriteStream, from: 'stdout' | 'stderr') => {
  const write = stream.write.bind(stream);
  const spy = vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    for (const text of String(chunk).split('\n')) if (text.trim()) lines.push({ from, text });
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write);
  return spy;
};

beforeAll(async () => {
  capture(process.stdout, 'stdout');
  capture(process.stderr, 'stderr');
  stack = await startStack({ log: (text) => lines.push({ from: 'stack', text }) });
  api = apiClient(stack.info);
  admin = await staffToken(stack.info, 'Admin');
  remember('staff ID token', admin);
  for (const key of [ENV.SIGNING_KEY, ENV.ENCRYPTION_KEY, ENV.QUICKBOOKS_CLIENT_SECRET, ENV.M365_CLIENT_SECRET]) remember(key, process.env[key]);
}, 120_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await stack?.stop();
});

/** Waits for `check` to hold, a bounded number of times. */
const eventually = async (check: () => Promise<boolean>, timeoutMs = 20_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('Timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe('flows whose secrets must stay out of the logs', () => {
  it('portal: invite, set-up from the emailed link, login, staff reset, set-up again', async () => {
    const user = await portalUser(stack.info, admin, 'Logged');
    remember('set-up token', user.setupToken);
    remember('set-up link', `${process.env[ENV.PORTAL_URL]}/setup?token=${user.setupToken}`);
    remember('portal password', PORTAL_PASSWORD);
    remember('portal ID token', user.idToken);
    const tokens = await login(stack.info, user.email, PORTAL_PASSWORD, 'portal');
    remember('portal access token', tokens.accessToken);
    remember('portal refresh token', tokens.refreshToken);
    expect((await api('GET', '/v1/portal/me', { token: user.idToken })).status).toBe(200);

    expect((await api('POST', `/v1/contacts/${user.contactId}/password-reset`, { token: admin })).status).toBe(202);
    const reset = await nextOutboxToken(stack.info.ses.endpoint, user.email, [user.setupToken]);
    remember('reset token', reset);
    const newPassword = 'Another-Pa55word!';
    remember('new portal password', newPassword);
    // A wrong token first: refusals are where request data tends to reach a log.
    expect((await api('POST', '/v1/public/portal/setup', { body: { token: `${reset}x`, password: newPassword } })).status).toBe(400);
    expect((await api('POST', '/v1/public/portal/setup', { body: { token: reset, password: newPassword } })).status).toBe(200);
    expect((await api('POST', '/v1/public/portal/password-reset', { body: { email: user.email } })).status).toBe(202);
  });

  it('QuickBooks: connect, the callback, a replay and a forged state, then a link that uses the tokens', async () => {
    const connect = await api('GET', '/v1/integrations/quickbooks/connect', { token: admin });
    expect(connect.status).toBe(200);
    const authorize = new URL(connect.body.url);
    remember('QuickBooks state', authorize.searchParams.get('state'));
    const approved = await fetch(`${stack.info.quickbooks.url}${authorize.pathname}/approve${authorize.search}`, { redirect: 'manual' });
    const back = new URL(approved.headers.get('location')!);
    remember('QuickBooks code', back.searchParams.get('code'));
    const callback = `${back.pathname}${back.search}`;
    expect((await api('GET', callback)).status).toBe(200);
    expect((await api('GET', callback)).status).toBeGreaterThanOrEqual(400);
    const forged = new URLSearchParams(back.search);
    forged.set('state', `${forged.get('state')}x`);
    expect((await api('GET', `${back.pathname}?${forged}`)).body.code).toBe('INVALID_STATE');

    const connection = (await getConnection())!;
    for (const [name, value] of Object.entries(connection.tokens)) if (typeof value === 'string') remember(`QuickBooks ${name}`, value);
    const company = await api('POST', '/v1/companies', { token: admin, body: { name: `Logged QuickBooks ${Date.now()}` } });
    expect((await api('POST', `/v1/companies/${company.body.id}/quickbooks/link`, { token: admin, body: {} })).status).toBe(200);
  });

  it('Microsoft 365: consent URL, the callback, a replay, a refusal, and the sync it queues', async () => {
    const company = await api('POST', '/v1/companies', { token: admin, body: { name: `Logged M365 ${Date.now()}` } });
    const tenants = await api('GET', '/v1/integrations/m365/tenants', { token: admin });
    expect(tenants.status).toBe(200);
    const tenant = tenants.body.items.find((t: { tenantId: string; companyId: string | null }) => !t.companyId);
    const consent = await api('GET', `/v1/integrations/m365/consent-url?companyId=${company.body.id}`, { token: admin });
    const url = new URL(consent.body.url);
    remember('Microsoft 365 state', url.searchParams.get('state'));
    const back = new URL((await fetch(`${url}&pick=${tenant.tenantId}`, { redirect: 'manual' })).headers.get('location')!);
    const linked = await api('GET', `${back.pathname}${back.search}`);
    expect(linked.status).toBe(200);
    expect((await api('GET', `${back.pathname}${back.search}`)).body.code).toBe('INVALID_STATE');

    const other = await api('POST', '/v1/companies', { token: admin, body: { name: `Logged M365 denied ${Date.now()}` } });
    const denied = new URL((await api('GET', `/v1/integrations/m365/consent-url?companyId=${other.body.id}`, { token: admin })).body.url);
    remember('Microsoft 365 state (denied)', denied.searchParams.get('state'));
    const refusal = new URL((await fetch(`${denied}&pick=deny`, { redirect: 'manual' })).headers.get('location')!);
    expect((await api('GET', `${refusal.pathname}${refusal.search}`)).body.code).toBe('M365_CONSENT_DENIED');

    await eventually(async () => ['completed', 'failed'].includes((await api('GET', `/v1/sync-jobs/${linked.body.jobId}`, { token: admin })).body.status));
    // The worker logs its run once it has given the lease back, just after the job reads `completed`.
    await eventually(async () => lines.some((l) => l.text.includes('Microsoft 365 sync run')));
  });
});

describe('the logs of those flows', () => {
  it('were captured from the functions, the gateway and the workers', () => {
    const json = lines.filter((l) => l.text.startsWith('{'));
    expect(json.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.from === 'stack').length).toBeGreaterThan(20);
    expect(secrets.size).toBeGreaterThanOrEqual(15);
    // The figures docs/security.md records.
    console.info(`logs: ${lines.length} lines captured, ${secrets.size} secrets looked for: ${[...new Set(secrets.values())].join(', ')}`);
  });

  it('hold none of the secrets the flows used', () => {
    const leaks = lines.flatMap((l) => [...secrets].filter(([value]) => l.text.includes(value)).map(([, what]) => `${what} in ${l.from}: ${l.text.slice(0, 300)}`));
    expect(leaks).toEqual([]);
    // Nor any URL's query of the kinds that carry them.
    expect(lines.filter((l) => /[?&](code|state|token|access_token|refresh_token|id_token)=/.test(l.text)).map((l) => l.text.slice(0, 300))).toEqual([]);
  });

  it('name, on every line, the function that wrote it', () => {
    const unnamed = lines.filter((l) => {
      if (l.from === 'stack') return !/^\[[a-z0-9-]+\] /.test(l.text);
      try {
        const entry = JSON.parse(l.text) as { function_name?: string; level?: string };
        return !entry.function_name;
      } catch {
        return true;
      }
    });
    expect(unnamed.map((l) => `${l.from}: ${l.text.slice(0, 300)}`)).toEqual([]);
  });

  it('name the right function when several run at once', () => {
    // Workers and API functions run concurrently in one process locally; each line must carry its own name.
    const named = lines.filter((l) => l.text.startsWith('{')).map((l) => JSON.parse(l.text) as { function_name: string; message: string });
    const by = (message: string) => named.filter((e) => e.message === message).map((e) => e.function_name);
    expect(by('Microsoft 365 sync run').length).toBeGreaterThan(0);
    expect(new Set(by('Microsoft 365 sync run'))).toEqual(new Set(['m365-sync-tenant']));
    expect(new Set(by('QuickBooks connected'))).toEqual(new Set(['quickbooks-callback']));
  });

  it('name the area function for a route it serves, and the route’s own function for one kept apart', () => {
    const nameOf = (routeKey: string) => functionNameOf(apiFunctionOf(findRoute(routeKey)!).entry);
    const served = (name: string, method: string, path: RegExp) => lines.some((l) => l.from === 'stack' && l.text.startsWith(`[${name}] ${method} `) && path.test(l.text));
    expect(nameOf('POST /v1/contacts/{id}/password-reset')).toBe('contacts-api');
    expect(served('contacts-api', 'POST', /\/v1\/contacts\/[^/]+\/password-reset → 202/)).toBe(true);
    expect(served(nameOf('GET /v1/portal/me'), 'GET', /\/v1\/portal\/me → 200/)).toBe(true);
    expect(served(nameOf('POST /v1/companies'), 'POST', /\/v1\/companies → 201/)).toBe(true);
    expect(nameOf('POST /v1/public/portal/setup')).toBe('portal-complete-setup');
    expect(served('portal-complete-setup', 'POST', /\/v1\/public\/portal\/setup → 200/)).toBe(true);
    expect(served('m365-list-tenants', 'GET', /\/v1\/integrations\/m365\/tenants → 200/)).toBe(true);
  });
});
