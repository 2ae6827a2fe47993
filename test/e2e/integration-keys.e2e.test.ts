/**
 * The signals route through the local gateway, which (as the CDK stack) gives it no JWT
 * authorizer because it also takes integration keys: the function itself verifies a staff token
 * against cognito-local's keys, or the key. Staff groups still hold; a portal token, a token of
 * a foreign pool, a revoked key or none at all are 401; a key opens nothing else.
 */
import { describe, expect, it } from 'vitest';
import { type Api, foreignPoolToken, portalUser, useStack } from '../support/api';

const e2e = useStack(['Admin', 'MSPAdmin', 'Technician']);
const api: Api = (...args) => e2e.api(...args);
const tokens = e2e.tokens;

const signal = () => ({ kind: 'security', observedAt: new Date(Date.now() - 60_000).toISOString(), openThreats: 0, criticalVulnerabilities: 1 });

describe('signals with integration keys over HTTP', () => {
  it('take a key or a staff token verified by the function, and nothing else', async () => {
    const portal = await portalUser(e2e.stack.info, tokens.Admin!, 'Keyed');
    const path = `/v1/companies/${portal.companyId}/signals`;
    const created = await api('POST', '/v1/integration-keys', { token: tokens.Admin, body: { name: 'SentinelOne', scopes: ['signals'] } });
    expect(created.status).toBe(201);
    const key = created.body.key as string;

    expect((await api('POST', path, { token: key, body: signal() })).status).toBe(202);
    expect((await api('POST', path, { token: tokens.MSPAdmin, body: signal() })).status).toBe(202);
    expect((await api('POST', path, { token: tokens.Technician, body: signal() })).status).toBe(403);
    for (const bad of [undefined, portal.idToken, await foreignPoolToken(e2e.stack.info), 'not-a-token', `${tokens.Admin!.slice(0, -4)}AAAA`]) {
      const res = await api('POST', path, { token: bad, body: signal() });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHORIZED');
    }
    // Anywhere else the gateway's authorizer refuses a key before any function runs.
    expect((await api('GET', `/v1/companies/${portal.companyId}`, { token: key })).status).toBe(401);

    expect((await api('DELETE', `/v1/integration-keys/${created.body.id}`, { token: tokens.Admin })).status).toBe(204);
    expect((await api('POST', path, { token: key, body: signal() })).status).toBe(401);
    const health = await api('GET', `/v1/companies/${portal.companyId}/health`, { token: tokens.Technician });
    expect(health.body.components.find((c: { key: string }) => c.key === 'security').score).not.toBeNull();
  }, 120_000);
});
