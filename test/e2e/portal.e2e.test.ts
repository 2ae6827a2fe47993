/**
 * Portal access the way a client gets it, on the whole local stack: staff invites → the email
 * in the SES outbox → its link's token → set-up → log in to the portal pool (the
 * PreTokenGeneration trigger puts contactId in the token) → GET /v1/portal/me; then
 * deactivation and a paused company refuse the very next request and the next login.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import preAuthEvent from '../../events/cognito/pre-authentication.json';
import { handler as preAuthentication } from '../../functions/portal/pre-authentication';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { hashToken } from '../../shared/portal/portal.repository';
import { login, startStack, type TestStack } from '../support/stack';
import { setCompanyStatus } from '../helpers/data';
import { nextOutboxToken } from '../../infra/local/engines/ses';

let stack: TestStack;
let staff: string;
let tech: string;
beforeAll(async () => {
  stack = await startStack();
  const user = (group: string) => stack.info.users.find((u) => u.groups[0] === group)!;
  staff = (await login(stack.info, user('Admin').email, user('Admin').password, 'staff')).idToken;
  tech = (await login(stack.info, user('Technician').email, user('Technician').password, 'staff')).idToken;
});
afterAll(async () => stack?.stop());

const api = async (method: string, path: string, opts: { token?: string; body?: unknown } = {}) => {
  const res = await fetch(`${stack.info.apiUrl}${path}`, {
    method,
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

/** The newest link token emailed to `to` that is not one of `seen`. */
const linkFor = (to: string, seen: string[] = []) => nextOutboxToken(stack.info.ses.endpoint, to, seen);

const PASSWORD = 'Portal-Pa55word!';
const run = Date.now().toString(36);

describe('portal access, end to end', () => {
  let companyId: string;
  let contactId: string;
  let email: string;
  let portalToken: string;

  it('invites, emails a single-use link, sets the password, logs in and reads /v1/portal/me', async () => {
    companyId = (await api('POST', '/v1/companies', { token: staff, body: { name: `Northwind ${run}` } })).body.id;
    email = `jane.${run}@northwind.example`;
    const created = await api('POST', '/v1/contacts', { token: tech, body: { firstName: 'Jane', lastName: 'Doe', email, companyId } });
    contactId = created.body.id;

    const invited = await api('POST', `/v1/contacts/${contactId}/invite`, { token: tech });
    expect(invited.status).toBe(202);
    expect(invited.body.portal.status).toBe('pending');
    const token = await linkFor(email);

    const setup = await api('POST', '/v1/public/portal/setup', { body: { token, password: PASSWORD } });
    expect(setup).toEqual({ status: 200, body: { email, portalStatus: 'active' } });
    expect((await api('POST', '/v1/public/portal/setup', { body: { token, password: PASSWORD } })).body.code).toBe('INVALID_TOKEN');
    expect((await api('GET', `/v1/contacts/${contactId}`, { token: staff })).body.portal).toMatchObject({ status: 'active', activatedAt: expect.any(String) });

    portalToken = (await login(stack.info, email, PASSWORD, 'portal')).idToken;
    const claims = JSON.parse(Buffer.from(portalToken.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ contactId, companyId });
    const me = await api('GET', '/v1/portal/me', { token: portalToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ contact: { id: contactId, email }, company: { id: companyId, name: `Northwind ${run}` } });
    expect(me.body.contact.portalTokenHash).toBeUndefined();
  });

  it('keeps the pools apart: a portal token on a staff route and a staff token on a portal route are 401', async () => {
    expect((await api('GET', '/v1/companies', { token: portalToken })).status).toBe(401);
    expect((await api('GET', '/v1/portal/me', { token: staff })).status).toBe(401);
  });

  it('refuses a deactivated contact on the very next request, with the same token, and lets it back in when activated', async () => {
    expect((await api('POST', `/v1/contacts/${contactId}/deactivate`, { token: tech })).body.status).toBe('inactive');
    const refused = await api('GET', '/v1/portal/me', { token: portalToken });
    expect(refused).toMatchObject({ status: 403, body: { code: 'CONTACT_INACTIVE' } });
    await expect(login(stack.info, email, PASSWORD, 'portal')).rejects.toThrow();
    await api('POST', `/v1/contacts/${contactId}/activate`, { token: tech });
    expect((await api('GET', '/v1/portal/me', { token: portalToken })).status).toBe(200);
    portalToken = (await login(stack.info, email, PASSWORD, 'portal')).idToken;
  });

  it('pauses the portal of an archived company: 403 PORTAL_PAUSED, and the login is refused with the same message', async () => {
    await setCompanyStatus(companyId, 'archived');
    const paused = await api('GET', '/v1/portal/me', { token: portalToken });
    expect(paused).toMatchObject({ status: 403, body: { code: 'PORTAL_PAUSED', title: 'Portal access is paused' } });
    await expect(login(stack.info, email, PASSWORD, 'portal')).rejects.toThrow(/Portal access is paused/);
    // PreAuthentication (which cognito-local does not run) says the same.
    const event = structuredClone(preAuthEvent);
    event.userPoolId = stack.info.cognito.portal.userPoolId;
    event.request.userAttributes.sub = JSON.parse(Buffer.from(portalToken.split('.')[1]!, 'base64url').toString()).sub;
    await expect(preAuthentication(event as never)).rejects.toThrow('Portal access is paused');
    expect((await api('POST', `/v1/contacts/${contactId}/invite`, { token: tech })).body.code).toBe('COMPANY_ARCHIVED');
    await setCompanyStatus(companyId, 'active');
    await expect(preAuthentication(event as never)).resolves.toMatchObject({ userPoolId: event.userPoolId });
    expect((await api('GET', '/v1/portal/me', { token: portalToken })).status).toBe(200);
  });

  it('resets a password by email (public route always 202) and voids the older link', async () => {
    const before = await linkFor(email);
    expect((await api('POST', '/v1/public/portal/password-reset', { body: { email: email.toUpperCase() } })).status).toBe(202);
    const first = await linkFor(email, [before]);
    expect((await api('POST', `/v1/contacts/${contactId}/password-reset`, { token: tech })).status).toBe(202);
    const second = await linkFor(email, [before, first]);
    expect((await api('POST', '/v1/public/portal/setup', { body: { token: first, password: 'Another-Pa55word!' } })).body.code).toBe('INVALID_TOKEN');
    expect((await api('POST', '/v1/public/portal/setup', { body: { token: second, password: 'Another-Pa55word!' } })).status).toBe(200);
    await login(stack.info, email, 'Another-Pa55word!', 'portal');
    expect((await api('POST', '/v1/public/portal/password-reset', { body: { email: `nobody.${run}@example.com` } })).status).toBe(202);
  });

  it('refuses an expired set-up token and a reset for a contact who never set up the portal', async () => {
    const other = (await api('POST', '/v1/contacts', { token: tech, body: { firstName: 'Sam', lastName: 'Lee', email: `sam.${run}@northwind.example`, companyId } })).body;
    expect((await api('POST', `/v1/contacts/${other.id}/password-reset`, { token: tech })).body.code).toBe('PORTAL_NOT_ACTIVE');
    await api('POST', `/v1/contacts/${other.id}/invite`, { token: tech });
    const token = await linkFor(other.email);
    await db().send(
      new UpdateCommand({ TableName: tableName(), Key: keys.portalToken(hashToken(token)), UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }),
    );
    expect((await api('POST', '/v1/public/portal/setup', { body: { token, password: PASSWORD } })).body.code).toBe('INVALID_TOKEN');
    expect((await api('POST', '/v1/public/portal/setup', { body: { token: 'x'.repeat(43), password: PASSWORD } })).body.code).toBe('INVALID_TOKEN');
  });

  it('refuses invites for a contact without a company and for an inactive contact', async () => {
    const loner = (await api('POST', '/v1/contacts', { token: tech, body: { firstName: 'No', lastName: 'Company', email: `loner.${run}@example.com` } })).body;
    expect((await api('POST', `/v1/contacts/${loner.id}/invite`, { token: tech })).body.code).toBe('CONTACT_HAS_NO_COMPANY');
    const off = (await api('POST', '/v1/contacts', { token: tech, body: { firstName: 'Off', lastName: 'Line', email: `off.${run}@example.com`, companyId } })).body;
    await api('POST', `/v1/contacts/${off.id}/deactivate`, { token: tech });
    expect((await api('POST', `/v1/contacts/${off.id}/invite`, { token: tech })).body.code).toBe('CONTACT_INACTIVE');
  });
});
