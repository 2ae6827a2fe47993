/**
 * Installer tokens and device registration (API.md "Installer tokens and devices", issue 18):
 * tokens shown once and stored hashed, listed and revoked by staff; a device registered twice is
 * one asset, counted once; every refused token (unknown, malformed, wrong, expired, revoked, used
 * up, archived company) is the same 401; concurrent registrations of one serial make one asset;
 * a permanent delete deletes the company's tokens.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as cleanupHandler } from '../../functions/companies/cleanup-company';
import { db, tableName } from '../../shared/db/client';
import { parseSecretToken } from '../../shared/crypto/secret-token';
import { keys } from '../../shared/db/keys';
import { beforeNext, countDbRequests } from '../helpers/db-requests';
import { call, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true });

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const company = async () => (await call({ route: 'POST /v1/companies', body: { name: `Installed Co ${run} ${++n}` } })).body as { id: string; name: string };
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
type Created = { id: string; companyId: string; token: string; uses: number; maxUses: number | null; expiresAt: string; revokedAt: string | null; label: string };
const newToken = async (companyId: string, body: Record<string, unknown> = {}) => {
  const res = await call({ route: 'POST /v1/companies/{id}/installer-tokens', params: { id: companyId }, body: { label: 'Rollout', expiresAt: inDays(30), ...body } });
  expect(res.status).toBe(201);
  return res.body as Created;
};
const register = (token: string | undefined, device: Record<string, unknown> = {}) =>
  call({
    route: 'POST /v1/public/devices/register',
    body: { hostname: 'PC-01', serialNumber: `SN-${run}-1`, os: 'Windows 11', kind: 'computer', ...device },
    headers: { authorization: token === undefined ? '' : `Installer ${token}` },
  });
const assetCount = async (companyId: string) => (await call({ route: 'GET /v1/companies/{id}', params: { id: companyId } })).body.counts.assets as number;
const assetsOf = async (companyId: string) => (await call({ route: 'GET /v1/assets', query: { companyId } })).body.items as { id: string; name: string; os: string; serialNumber: string; source: string }[];

describe('installer tokens', () => {
  it('are shown once, stored only as a hash, listed per company and revoked', async () => {
    const co = await company();
    const t = await newToken(co.id, { maxUses: 5 });
    expect(t).toMatchObject({ companyId: co.id, label: 'Rollout', uses: 0, maxUses: 5, revokedAt: null });
    expect(t.token).toMatch(/^cit_[0-9A-HJKMNP-TV-Z]{26}_[A-Za-z0-9_-]{43}$/);
    const stored = (await db().send(new GetCommand({ TableName: tableName(), Key: keys.installerToken(t.id) }))).Item!;
    expect(JSON.stringify(stored)).not.toContain(parseSecretToken('cit', t.token)!.secret);
    const listed = await call({ route: 'GET /v1/companies/{id}/installer-tokens', params: { id: co.id } });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(t.token);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: t.id, uses: 0, revokedAt: null })]);
    expect((await call({ route: 'DELETE /v1/installer-tokens/{id}', params: { id: t.id } })).status).toBe(204);
    expect((await call({ route: 'DELETE /v1/installer-tokens/{id}', params: { id: t.id } })).status).toBe(204);
    expect((await call({ route: 'GET /v1/companies/{id}/installer-tokens', params: { id: co.id } })).body.items[0].revokedAt).not.toBeNull();
    expect((await call({ route: 'DELETE /v1/installer-tokens/{id}', params: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).status).toBe(404);
  });

  it('are for Admin and MSPAdmin, for a known active company, with a bounded expiry', async () => {
    const co = await company();
    const body = { label: 'x', expiresAt: inDays(1) };
    expect((await call({ route: 'POST /v1/companies/{id}/installer-tokens', params: { id: co.id }, body, groups: ['Technician'] })).status).toBe(403);
    expect((await call({ route: 'GET /v1/companies/{id}/installer-tokens', params: { id: co.id }, groups: ['Technician'] })).status).toBe(403);
    expect((await call({ route: 'POST /v1/companies/{id}/installer-tokens', params: { id: co.id }, body, groups: ['MSPAdmin'] })).status).toBe(201);
    expect((await call({ route: 'POST /v1/companies/{id}/installer-tokens', params: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }, body })).status).toBe(404);
    for (const expiresAt of [inDays(-1), inDays(366), undefined, 'soon']) {
      expect((await call({ route: 'POST /v1/companies/{id}/installer-tokens', params: { id: co.id }, body: { label: 'x', expiresAt } })).status).toBe(400);
    }
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } });
    const refused = await call({ route: 'POST /v1/companies/{id}/installer-tokens', params: { id: co.id }, body });
    expect(refused).toMatchObject({ status: 409, body: { code: 'COMPANY_ARCHIVED' } });
  });
});

describe('device registration', () => {
  it('creates the asset once: a re-install updates it, counts stay exact', async () => {
    const co = await company();
    const t = await newToken(co.id);
    const first = await register(t.token);
    expect(first.status).toBe(201);
    const assetId = first.body.assetId as string;
    const again = await register(t.token, { hostname: 'PC-01-NEW', os: 'Windows 11 24H2', serialNumber: ` sn-${run}-1 ` });
    expect(again).toMatchObject({ status: 200, body: { assetId } });
    const assets = await assetsOf(co.id);
    expect(assets).toHaveLength(1);
    expect(assets[0]).toMatchObject({ id: assetId, name: 'PC-01-NEW', os: 'Windows 11 24H2', serialNumber: `SN-${run}-1`, source: 'installer', kind: 'computer' });
    expect(await assetCount(co.id)).toBe(1);
    // A re-install without a kind keeps the one staff set.
    const asset = (await call({ route: 'GET /v1/assets/{id}', params: { id: assetId } })).body;
    await call({ route: 'PATCH /v1/assets/{id}', params: { id: assetId }, body: { kind: 'server' }, headers: { 'if-match': `"${asset.version}"` } });
    expect((await register(t.token, { kind: undefined })).status).toBe(200);
    expect((await call({ route: 'GET /v1/assets/{id}', params: { id: assetId } })).body.kind).toBe('server');
    // Another serial is another asset.
    expect((await register(t.token, { serialNumber: `SN-${run}-2` })).status).toBe(201);
    expect(await assetCount(co.id)).toBe(2);
    expect((await call({ route: 'GET /v1/companies/{id}/installer-tokens', params: { id: co.id } })).body.items[0].uses).toBe(4);
  });

  it('an asset staff moved away or gave another serial is not updated: the registration creates one', async () => {
    const co = await company();
    const t = await newToken(co.id);
    const serialNumber = `MOVE-${run}`;
    const { assetId } = (await register(t.token, { serialNumber })).body;
    const asset = (await call({ route: 'GET /v1/assets/{id}', params: { id: assetId } })).body;
    expect((await call({ route: 'PATCH /v1/assets/{id}', params: { id: assetId }, body: { serialNumber: 'OTHER' }, headers: { 'if-match': `"${asset.version}"` } })).status).toBe(200);
    const res = await register(t.token, { serialNumber });
    expect(res.status).toBe(201);
    expect(res.body.assetId).not.toBe(assetId);
    expect(await assetCount(co.id)).toBe(2);
    expect((await register(t.token, { serialNumber })).body.assetId).toBe(res.body.assetId);
  });

  it('answers unknown, malformed, wrong, expired, revoked and used-up tokens and an archived company alike: 401', async () => {
    const co = await company();
    const good = await newToken(co.id, { maxUses: 1 });
    const { id, secret } = parseSecretToken('cit', good.token)!;
    const wrong = `cit_${id}_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const unknown = `cit_01ARZ3NDEKTSV4RRFFQ69G5FAV_${secret}`;

    const expired = await newToken(co.id);
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.installerToken(expired.id), UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': inDays(-1) } }));
    const revoked = await newToken(co.id);
    await call({ route: 'DELETE /v1/installer-tokens/{id}', params: { id: revoked.id } });
    expect((await register(good.token, { serialNumber: `USED-${run}` })).status).toBe(201);

    const other = await company();
    const archivedToken = await newToken(other.id);
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: other.id } });

    const answers = [];
    for (const token of [undefined, 'nonsense', `Bearer-less`, wrong, unknown, expired.token, revoked.token, good.token, archivedToken.token]) {
      const res = await register(token, { serialNumber: `REFUSED-${run}` });
      answers.push({ status: res.status, body: res.body });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    // Nothing was written: no asset, no use counted.
    expect(await assetCount(co.id)).toBe(1);
    expect(await assetCount(other.id)).toBe(0);
    const listed = (await call({ route: 'GET /v1/companies/{id}/installer-tokens', params: { id: co.id } })).body.items as Created[];
    expect(listed.map((x) => x.uses)).toEqual([1, 0, 0]);
    // A Bearer scheme is not an installer token.
    expect((await call({ route: 'POST /v1/public/devices/register', body: { hostname: 'h', serialNumber: 's' }, headers: { authorization: `Bearer ${revoked.token}` } })).status).toBe(401);
  });

  it('does the same work for every refused token: one read, one hash comparison, in similar time', async () => {
    const co = await company();
    const revoked = await newToken(co.id);
    await call({ route: 'DELETE /v1/installer-tokens/{id}', params: { id: revoked.id } });
    const { secret } = parseSecretToken('cit', revoked.token)!;
    const unknown = `cit_01ARZ3NDEKTSV4RRFFQ69G5FAV_${secret}`;
    const requests = countDbRequests();
    const work: Record<string, string[]> = {};
    for (const [name, token] of Object.entries({ revoked: revoked.token, unknown, malformed: 'nonsense' })) {
      requests.reset();
      expect((await register(token)).status).toBe(401);
      work[name] = [...requests.calls];
    }
    expect(work).toEqual({ revoked: ['GetItem'], unknown: ['GetItem'], malformed: ['GetItem'] });
    const time = async (token: string) => {
      const t0 = performance.now();
      await register(token);
      return performance.now() - t0;
    };
    const [revokedMs, unknownMs]: number[][] = [[], []];
    for (let i = 0; i < 20; i++) {
      revokedMs.push(await time(revoked.token));
      unknownMs.push(await time(unknown));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const [r, u] = [median(revokedMs), median(unknownMs)];
    expect(Math.abs(r - u)).toBeLessThan(Math.max(3, 0.5 * Math.min(r, u)));
  });

  it('an archive landing between the token check and the write refuses the registration: nothing written', async () => {
    const co = await company();
    const t = await newToken(co.id);
    beforeNext('TransactWriteItems', () => call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } }));
    expect(await register(t.token, { serialNumber: `LATE-${run}` })).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    expect(await assetCount(co.id)).toBe(0);
    expect(await assetsOf(co.id)).toHaveLength(0);
  });

  it('concurrent registrations of one serial make one asset, and never exceed maxUses', async () => {
    const co = await company();
    const t = await newToken(co.id);
    const serialNumber = `RACE-${run}`;
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => register(t.token, { serialNumber, hostname: `PC-${i}` })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.assetId)).size).toBe(1);
    expect(await assetsOf(co.id)).toHaveLength(1);
    expect(await assetCount(co.id)).toBe(1);

    const limited = await newToken(co.id, { maxUses: 2 });
    const raced = await Promise.all(Array.from({ length: 5 }, (_, i) => register(limited.token, { serialNumber: `LIMIT-${run}-${i}` })));
    expect(raced.filter((r) => r.status === 201)).toHaveLength(2);
    expect(raced.filter((r) => r.status === 401)).toHaveLength(3);
    expect(await assetCount(co.id)).toBe(3);
  });
});

describe('permanent delete', () => {
  it("previews and deletes the company's installer tokens", async () => {
    const co = await company();
    const t = await newToken(co.id);
    await register(t.token);
    await newToken(co.id);
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } });
    const preview = await call({ route: 'GET /v1/companies/{id}/deletion-preview', params: { id: co.id } });
    expect(preview.body.delete.installerTokens).toBe(2);
    const del = await call({ route: 'DELETE /v1/companies/{id}', params: { id: co.id }, body: { confirmName: co.name }, groups: ['SuperAdmin'] });
    expect(del.status).toBe(202);
    const event = await engines.queues.take('company-cleanup');
    const result = (await cleanupHandler(event as never, { ...lambdaContext, getRemainingTimeInMillis: () => 300_000 } as Context)) as { batchItemFailures: unknown[] };
    expect(result.batchItemFailures).toEqual([]);
    expect((await db().send(new GetCommand({ TableName: tableName(), Key: keys.installerToken(t.id) }))).Item).toBeUndefined();
    expect((await register(t.token)).status).toBe(401);
  });
});
