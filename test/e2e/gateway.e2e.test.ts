/**
 * The local gateway's JWT checks, which stand in for the HTTP API's JWT authorizers: the
 * signature from the pool's JWKS, the issuer (pool), the audience (`aud` or `client_id`) and
 * the expiry. Tokens are re-signed with cognito-local's own key to make them expired or
 * issued for another client, so only the claim under test is wrong.
 */
import { createSign } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, type TestStack } from '../support/stack';

let stack: TestStack;
let tokens: { idToken: string; accessToken: string };
beforeAll(async () => {
  stack = await startStack();
  const admin = stack.info.users.find((u) => u.groups[0] === 'Admin')!;
  tokens = await login(stack.info, admin.email, admin.password, 'staff');
});
afterAll(async () => stack?.stop());

const cognitoKey = (createRequire(import.meta.url)('cognito-local/lib/keys/cognitoLocal.private.json') as { pem: string }).pem;

/** The same token with some claims changed, signed by the key cognito-local signs with. */
const resign = (token: string, change: Record<string, unknown>): string => {
  const [header, payload] = token.split('.') as [string, string];
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...change };
  const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${createSign('RSA-SHA256').update(body).sign(cognitoKey, 'base64url')}`;
};

const status = async (token?: string) =>
  (await fetch(`${stack.info.apiUrl}/v1/companies`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status;

describe('local JWT authorizer', () => {
  it('accepts the ID token and the access token of the route pool', async () => {
    expect(await status(tokens.idToken)).toBe(200);
    expect(await status(tokens.accessToken)).toBe(200);
  });

  it('accepts a re-signed token that changes nothing, so the checks below test only their claim', async () => {
    expect(await status(resign(tokens.idToken, {}))).toBe(200);
  });

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    expect(await status(resign(tokens.idToken, { exp: past, iat: past - 3600 }))).toBe(401);
  });

  it('refuses a token it already accepted once that token has expired', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = resign(tokens.idToken, { exp });
    expect(await status(shortLived)).toBe(200);
    expect(await status(shortLived)).toBe(200);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 100));
    expect(await status(shortLived)).toBe(401);
  });

  it('refuses a token for another app client, or from another issuer', async () => {
    expect(await status(resign(tokens.idToken, { aud: 'someotherclient' }))).toBe(401);
    expect(await status(resign(tokens.accessToken, { client_id: 'someotherclient' }))).toBe(401);
    expect(await status(resign(tokens.idToken, { iss: `${stack.info.cognito.endpoint}/${stack.info.cognito.portal.userPoolId}` }))).toBe(401);
  });

  it('refuses a missing scheme, an empty bearer and garbage', async () => {
    const res = await fetch(`${stack.info.apiUrl}/v1/companies`, { headers: { authorization: tokens.idToken } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(await status('')).toBe(401);
    expect(await status('a.b.c')).toBe(401);
  });

  it('lets public routes through without a token and routes unknown paths to the fallback', async () => {
    expect((await fetch(`${stack.info.apiUrl}/v1/openapi.json`)).status).toBe(200);
    const res = await fetch(`${stack.info.apiUrl}/v1/companies`, { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });
});
