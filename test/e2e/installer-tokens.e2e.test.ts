/**
 * Device registration over HTTP through the local gateway (issue 18's proof): staff create an
 * installer token, a device agent registers with `Authorization: Installer <token>` on the
 * public route (no JWT authorizer), twice, and staff see one asset; the revoked token gets `401`.
 */
import { describe, expect, it } from 'vitest';
import { type Api, useStack } from '../support/api';

const e2e = useStack(['Admin', 'Technician']);
const api: Api = (...args) => e2e.api(...args);
const tokens = e2e.tokens;

describe('installer tokens over HTTP', () => {
  it('register a device twice as one asset; a revoked token gets 401', async () => {
    const co = await api('POST', '/v1/companies', { token: tokens.Admin, body: { name: `Installed over HTTP ${Date.now()}` } });
    expect(co.status).toBe(201);
    const companyId = co.body.id as string;
    const created = await api('POST', `/v1/companies/${companyId}/installer-tokens`, {
      token: tokens.Admin,
      body: { label: 'Rollout', expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), maxUses: null },
    });
    expect(created.status).toBe(201);
    const installer = created.body.token as string;
    const register = (hostname: string) =>
      api('POST', '/v1/public/devices/register', { headers: { authorization: `Installer ${installer}` }, body: { hostname, serialNumber: `E2E-${companyId}`, os: 'Windows 11', kind: 'computer' } });

    const first = await register('PC-01');
    expect(first.status).toBe(201);
    const second = await register('PC-01-REINSTALLED');
    expect(second).toMatchObject({ status: 200, body: { assetId: first.body.assetId } });

    const assets = await api('GET', `/v1/assets?companyId=${companyId}`, { token: tokens.Technician });
    expect(assets.body.items).toEqual([expect.objectContaining({ id: first.body.assetId, name: 'PC-01-REINSTALLED', source: 'installer' })]);
    expect((await api('GET', `/v1/companies/${companyId}`, { token: tokens.Technician })).body.counts.assets).toBe(1);

    expect((await api('DELETE', `/v1/installer-tokens/${created.body.id}`, { token: tokens.Admin })).status).toBe(204);
    const refused = await register('PC-02');
    expect(refused).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
  }, 120_000);
});
