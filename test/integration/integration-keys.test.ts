/**
 * Integration keys (API.md v1.1: signals come from "Admin, MSPAdmin, or an integration key"):
 * a tool posts a company's signals with a key instead of a staff login. The signals route has no
 * gateway authorizer, so these calls carry no claims, as on AWS: the function verifies the key.
 * A staff token through that route is verified against the real cognito-local
 * (test/e2e/health-signals.e2e.test.ts).
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { db, tableName } from '../../shared/db/client';
import { parseSecretToken } from '../../shared/crypto/secret-token';
import { keys } from '../../shared/db/keys';
import { call } from '../helpers/http-event';
import { useEngines } from '../support/engines';

useEngines();

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const company = async () => (await call({ route: 'POST /v1/companies', body: { name: `Keyed Co ${run} ${++n}` } })).body as { id: string };
const newKey = async (body: Record<string, unknown> = {}) => {
  const res = await call({ route: 'POST /v1/integration-keys', body: { name: 'NinjaOne RMM', scopes: ['signals'], ...body } });
  expect(res.status).toBe(201);
  return res.body as { id: string; key: string; hint: string; expiresAt: string; scopes: string[] };
};
const signal = { kind: 'backups', observedAt: new Date(Date.now() - 60_000).toISOString(), successRate: 0.97, lastSuccessAt: new Date(Date.now() - 3600_000).toISOString() };
const post = (companyId: string, bearer: string | undefined) =>
  call({ route: 'POST /v1/companies/{id}/signals', params: { id: companyId }, body: signal, anonymous: true, headers: { authorization: bearer ? `Bearer ${bearer}` : '' } });

describe('integration keys', () => {
  it('are shown once, stored only as a hash, and let a tool post signals', async () => {
    const co = await company();
    const k = await newKey();
    expect(k.key).toMatch(/^clk_[0-9A-HJKMNP-TV-Z]{26}_[A-Za-z0-9_-]{43}$/);
    expect(k.key.startsWith(k.hint.slice(0, -1))).toBe(true);
    const stored = (await db().send(new GetCommand({ TableName: tableName(), Key: keys.integrationKey(k.id) }))).Item!;
    // (The secret may itself hold `_`: read it with the parser, not split.)
    expect(JSON.stringify(stored)).not.toContain(parseSecretToken('clk', k.key)!.secret);
    const listed = await call({ route: 'GET /v1/integration-keys' });
    expect(JSON.stringify(listed.body)).not.toContain(k.key);
    expect(listed.body.items.find((x: { id: string }) => x.id === k.id)).toMatchObject({ name: 'NinjaOne RMM', scopes: ['signals'], revokedAt: null });

    const res = await post(co.id, k.key);
    expect(res.status).toBe(202);
    const health = await call({ route: 'GET /v1/companies/{id}/health', params: { id: co.id } });
    expect(health.body.components.find((c: { key: string }) => c.key === 'backups').score).not.toBeNull();
    // Its use is noted (at most every 5 minutes).
    const used = (await call({ route: 'GET /v1/integration-keys' })).body.items.find((x: { id: string }) => x.id === k.id);
    expect(used.lastUsedAt).not.toBeNull();
  });

  it('refuse a missing, malformed, wrong, revoked or expired key with 401', async () => {
    const co = await company();
    const k = await newKey();
    expect((await post(co.id, undefined)).status).toBe(401);
    expect((await post(co.id, 'clk_nonsense')).status).toBe(401);
    const { id, secret } = parseSecretToken('clk', k.key)!;
    expect((await post(co.id, `clk_${id}_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).status).toBe(401);
    expect((await call({ route: 'DELETE /v1/integration-keys/{id}', params: { id: k.id } })).status).toBe(204);
    expect((await call({ route: 'DELETE /v1/integration-keys/{id}', params: { id: k.id } })).status).toBe(204);
    const res = await post(co.id, k.key);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');

    const old = await newKey({ expiresInDays: 1 });
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.integrationKey(old.id), UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() } }));
    expect((await post(co.id, old.key)).status).toBe(401);
  });

  it('open only the routes of their scope: anywhere else a key is not a staff login', async () => {
    const k = await newKey();
    // Every other staff route has the gateway's JWT authorizer; a key never gets claims there. Handed claims-less, the function refuses it too.
    const res = await call({ route: 'GET /v1/companies', anonymous: true, headers: { authorization: `Bearer ${k.key}` } });
    expect(res.status).toBe(401);
  });

  it('are managed by Admin and MSPAdmin only, expire within two years, and take known scopes', async () => {
    expect((await call({ route: 'POST /v1/integration-keys', groups: ['Technician'], body: { name: 'x', scopes: ['signals'] } })).status).toBe(403);
    expect((await call({ route: 'GET /v1/integration-keys', groups: ['ComplianceAdmin'] })).status).toBe(403);
    expect((await call({ route: 'POST /v1/integration-keys', body: { name: 'x', scopes: ['signals'], expiresInDays: 731 } })).status).toBe(400);
    expect((await call({ route: 'POST /v1/integration-keys', body: { name: 'x', scopes: ['companies'] } })).status).toBe(400);
    const k = await newKey({ expiresInDays: 30 });
    expect(Date.parse(k.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await call({ route: 'DELETE /v1/integration-keys/{id}', params: { id: '01HZX0000000000000000000ZZ' } })).status).toBe(404);
  });

  it('still let staff post signals with the gateway’s claims', async () => {
    const co = await company();
    expect((await call({ route: 'POST /v1/companies/{id}/signals', params: { id: co.id }, body: signal, groups: ['MSPAdmin'] })).status).toBe(202);
    expect((await call({ route: 'POST /v1/companies/{id}/signals', params: { id: co.id }, body: signal, groups: ['Technician'] })).status).toBe(403);
  });
});
