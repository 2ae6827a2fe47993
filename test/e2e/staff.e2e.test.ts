/**
 * The staff directory over HTTP, through the local gateway with real cognito-local tokens:
 * `GET /v1/staff` lists the staff pool's users (each id is the `sub` its tokens carry), and a
 * company's account manager is taken from it.
 */
import { describe, expect, it } from 'vitest';
import { STAFF_GROUPS } from '../../shared/routes';
import { type Api, useStack } from '../support/api';

const e2e = useStack(STAFF_GROUPS);
const api: Api = (...args) => e2e.api(...args);
const tokens = e2e.tokens;

/** The `sub` claim of an ID token. */
const subOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub;

describe('GET /v1/staff over HTTP', () => {
  it('lists every seeded staff user, with the sub its tokens carry, its email and its group; any staff group may read it', async () => {
    for (const g of STAFF_GROUPS) {
      const res = await api('GET', '/v1/staff', { token: tokens[g] });
      expect(res.status, g).toBe(200);
      for (const u of e2e.stack.info.users) {
        expect(res.body.items, `${g} reads ${u.email}`).toContainEqual({ id: subOf(tokens[u.groups[0]!]!), name: u.email, email: u.email, groups: u.groups });
      }
    }
  });

  it('answers 401 without a staff token', async () => {
    expect((await api('GET', '/v1/staff')).status).toBe(401);
  });

  it('is where a company’s account manager comes from: a listed id is taken, any other is 400 UNKNOWN_STAFF_USER', async () => {
    const technician = ((await api('GET', '/v1/staff', { token: tokens.Technician })).body.items as { id: string; groups: string[] }[]).find((m) => m.groups.includes('Technician'))!;
    const name = `Managed ${Date.now().toString(36)}`;
    const refused = await api('POST', '/v1/companies', { token: tokens.Admin, body: { name, accountManagerId: 'someone-else' } });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'UNKNOWN_STAFF_USER', errors: [{ in: 'body', path: '/accountManagerId' }] });
    const created = await api('POST', '/v1/companies', { token: tokens.Admin, body: { name, accountManagerId: technician.id } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ accountManagerId: technician.id, currency: 'USD', hourlyRate: null, billingContactId: null });
    const patched = await api('PATCH', `/v1/companies/${created.body.id}`, { token: tokens.MSPAdmin, body: { accountManagerId: 'nobody' } });
    expect(patched.body.code).toBe('UNKNOWN_STAFF_USER');
  });
});
