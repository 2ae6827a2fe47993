/**
 * Portal identity on the whole local stack, tried the way an attacker would: a portal user of
 * one company uses its own access token to rewrite its email to another company's contact's and
 * to delete its `custom:contactId`, then refreshes its tokens; the refreshed ID token is still
 * its own contact, and the other company's tickets stay out of reach. Also: ten concurrent
 * invites of one contact (one user, one live link, all 202), and a pending link of an archived
 * company that cannot be redeemed until the company is restored.
 */
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  DeleteUserAttributesCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  UpdateUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextOutboxToken, outboxTokens } from '../../infra/local/engines/ses';
import { getContact } from '../../shared/contacts/contact.repository';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { hashToken } from '../../shared/portal/portal.repository';
import { setCompanyStatus } from '../helpers/data';
import { apiClient, PORTAL_PASSWORD, staffToken, type Api } from '../support/api';
import { login, startStack, type TestStack } from '../support/stack';

let stack: TestStack;
let api: Api;
let admin: string;
let tech: string;
let cognito: CognitoIdentityProviderClient;
beforeAll(async () => {
  stack = await startStack();
  api = apiClient(stack.info);
  admin = await staffToken(stack.info, 'Admin');
  tech = await staffToken(stack.info, 'Technician');
  cognito = new CognitoIdentityProviderClient({ endpoint: stack.info.cognito.endpoint, region: stack.info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  cognito?.destroy();
  await stack?.stop();
});

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

const run = Date.now().toString(36);

const company = async (name: string) => (await api('POST', '/v1/companies', { token: admin, body: { name: `${name} ${run}` } })).body.id as string;
const contact = async (companyId: string, firstName: string, label: string) => {
  const email = `${firstName.toLowerCase()}.${run}@${label}.example`;
  const id = (await api('POST', '/v1/contacts', { token: tech, body: { firstName, lastName: 'Doe', email, companyId } })).body.id as string;
  return { id, email };
};

/** A contact who accepted the invitation, logged in, with its tokens. */
const portalUser = async (companyName: string, firstName: string) => {
  const companyId = await company(companyName);
  const { id, email } = await contact(companyId, firstName, companyName.toLowerCase());
  expect((await api('POST', `/v1/contacts/${id}/invite`, { token: tech })).status).toBe(202);
  const token = await nextOutboxToken(stack.info.ses.endpoint, email);
  expect((await api('POST', '/v1/public/portal/setup', { body: { token, password: PORTAL_PASSWORD } })).status).toBe(200);
  return { companyId, contactId: id, email, tokens: await login(stack.info, email, PORTAL_PASSWORD, 'portal') };
};

describe('a portal user cannot become another company’s contact', () => {
  it('keeps the refreshed token on its own contact after the user rewrites its email and deletes custom:contactId', async () => {
    const [a, b] = await Promise.all([portalUser('Northwind', 'Ann'), portalUser('Contoso', 'Bob')]);
    const ticketB = (await api('POST', '/v1/tickets', { token: tech, body: { companyId: b.companyId, contactId: b.contactId, subject: 'Contoso only' } })).body;
    expect(claimsOf(a.tokens.idToken)).toMatchObject({ contactId: a.contactId, companyId: a.companyId });

    // The attack, with A's own access token, as the portal app client lets any signed-in user call these.
    await cognito.send(new UpdateUserAttributesCommand({ AccessToken: a.tokens.accessToken, UserAttributes: [{ Name: 'email', Value: b.email }] }));
    await cognito.send(new DeleteUserAttributesCommand({ AccessToken: a.tokens.accessToken, UserAttributeNames: ['custom:contactId'] }));
    // The attribute is immutable in the pool's schema: it cannot be pointed at B either.
    await expect(
      cognito.send(new UpdateUserAttributesCommand({ AccessToken: a.tokens.accessToken, UserAttributes: [{ Name: 'custom:contactId', Value: b.contactId }] })),
    ).rejects.toThrow(/immutable|cannot be updated/i);
    const tampered = await cognito.send(new AdminGetUserCommand({ UserPoolId: stack.info.cognito.portal.userPoolId, Username: claimsOf(a.tokens.accessToken).sub as string }));
    expect(tampered.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'email', Value: b.email }]));
    expect(tampered.UserAttributes?.some((x) => x.Name === 'custom:contactId')).toBe(false);

    const refreshed = await cognito.send(
      new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: stack.info.cognito.portal.clientId, AuthParameters: { REFRESH_TOKEN: a.tokens.refreshToken! } }),
    );
    const idToken = refreshed.AuthenticationResult!.IdToken!;
    expect(claimsOf(idToken)).toMatchObject({ contactId: a.contactId, companyId: a.companyId, sub: claimsOf(a.tokens.idToken).sub });

    const me = await api('GET', '/v1/portal/me', { token: idToken });
    expect(me.body).toMatchObject({ contact: { id: a.contactId }, company: { id: a.companyId } });
    expect((await api('GET', `/v1/portal/tickets/${ticketB.id}`, { token: idToken })).status).toBe(404);
    const listed = await api('GET', '/v1/portal/tickets', { token: idToken });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t: { id: string }) => t.id)).not.toContain(ticketB.id);
    expect(listed.body.items.every((t: { companyId: string }) => t.companyId === a.companyId)).toBe(true);
    // B is untouched: its own login still names B.
    expect(claimsOf(b.tokens.idToken)).toMatchObject({ contactId: b.contactId });
    expect((await api('GET', '/v1/portal/me', { token: b.tokens.idToken })).body.contact.id).toBe(b.contactId);
  });
});

describe('ten concurrent invites of one contact', () => {
  it('all answer 202, leave one Cognito user and one live set-up link', async () => {
    const companyId = await company('Fabrikam');
    const c = await contact(companyId, 'Cara', 'fabrikam');
    const answers = await Promise.all(Array.from({ length: 10 }, () => api('POST', `/v1/contacts/${c.id}/invite`, { token: tech })));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(202));

    const users = await cognito.send(new ListUsersCommand({ UserPoolId: stack.info.cognito.portal.userPoolId }));
    const holders = (users.Users ?? []).filter((u) => u.Attributes?.some((x) => x.Name === 'email' && x.Value === c.email));
    expect(holders).toHaveLength(1);
    const record = (await getContact(c.id, true))!;
    expect(record.portalSub).toBe(holders[0]!.Attributes!.find((x) => x.Name === 'sub')!.Value);
    const binding = await db().send(new GetCommand({ TableName: tableName(), Key: keys.portalUser(record.portalSub!), ConsistentRead: true }));
    expect(binding.Item?.contactId).toBe(c.id);

    // Every invite mailed a link; only the last one written is live, the others were voided.
    let tokens: string[] = [];
    for (const end = Date.now() + 30_000; Date.now() < end && tokens.length < 10; await new Promise((r) => setTimeout(r, 200))) tokens = await outboxTokens(stack.info.ses.endpoint, c.email);
    expect(tokens).toHaveLength(10);
    const live: string[] = [];
    for (const token of tokens) {
      const item = await db().send(new GetCommand({ TableName: tableName(), Key: keys.portalToken(hashToken(token)), ConsistentRead: true }));
      if (item.Item && (item.Item.expiresAt as number) > Date.now() / 1000) live.push(token);
    }
    expect(live).toHaveLength(1);
    expect(hashToken(live[0]!)).toBe(record.portalTokenHash);
    expect((await api('POST', '/v1/public/portal/setup', { body: { token: live[0], password: PORTAL_PASSWORD } })).status).toBe(200);
    expect(claimsOf((await login(stack.info, c.email, PORTAL_PASSWORD, 'portal')).idToken)).toMatchObject({ contactId: c.id, companyId });

    // Deleting the contact removes its binding and its user with it.
    expect((await api('DELETE', `/v1/contacts/${c.id}`, { token: admin })).status).toBe(204);
    expect((await db().send(new GetCommand({ TableName: tableName(), Key: keys.portalUser(record.portalSub!), ConsistentRead: true }))).Item).toBeUndefined();
    await expect(cognito.send(new AdminGetUserCommand({ UserPoolId: stack.info.cognito.portal.userPoolId, Username: record.portalUsername! }))).rejects.toThrow();
  });
});

describe('a user left behind for the same email', () => {
  it('is replaced at invite, never re-pointed: the contact gets a new user (new sub)', async () => {
    const companyId = await company('Adatum');
    const f = await contact(companyId, 'Fay', 'adatum');
    // What a crash between a contact's delete and its user's delete leaves: a user for another (gone) contact holding the email.
    const stale = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: stack.info.cognito.portal.userPoolId,
        Username: f.email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: f.email },
          { Name: 'custom:contactId', Value: '01JD0000000000000000000000' },
        ],
      }),
    );
    const staleSub = stale.User!.Attributes!.find((a) => a.Name === 'sub')!.Value!;
    expect((await api('POST', `/v1/contacts/${f.id}/invite`, { token: tech })).status).toBe(202);
    const record = (await getContact(f.id, true))!;
    expect(record.portalSub).toBeDefined();
    expect(record.portalSub).not.toBe(staleSub);
    await expect(cognito.send(new AdminGetUserCommand({ UserPoolId: stack.info.cognito.portal.userPoolId, Username: stale.User!.Username! }))).rejects.toThrow();
    const fresh = await cognito.send(new AdminGetUserCommand({ UserPoolId: stack.info.cognito.portal.userPoolId, Username: f.email }));
    expect(fresh.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'custom:contactId', Value: f.id }, { Name: 'sub', Value: record.portalSub }]));
    expect((await api('POST', '/v1/public/portal/setup', { body: { token: await nextOutboxToken(stack.info.ses.endpoint, f.email), password: PORTAL_PASSWORD } })).status).toBe(200);
    expect(claimsOf((await login(stack.info, f.email, PORTAL_PASSWORD, 'portal')).idToken)).toMatchObject({ contactId: f.id });
  });
});

describe('a contact invited before the sub binding', () => {
  it('is refused (login and unexpired tokens) until a new link is redeemed, which binds the user the server made for it', async () => {
    const g = await portalUser('Tailspin', 'Gus');
    // Make it what the data of an earlier release holds: a portal username, no sub and no binding.
    const sub = (await getContact(g.contactId, true))!.portalSub!;
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.contact(g.contactId), UpdateExpression: 'REMOVE portalSub' }));
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.portalUser(sub) }));

    expect(await api('GET', '/v1/portal/me', { token: g.tokens.idToken })).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    await expect(login(stack.info, g.email, PORTAL_PASSWORD, 'portal')).rejects.toThrow(/not linked/);

    const seen = await outboxTokens(stack.info.ses.endpoint, g.email);
    expect((await api('POST', `/v1/contacts/${g.contactId}/password-reset`, { token: tech })).status).toBe(202);
    const reset = await nextOutboxToken(stack.info.ses.endpoint, g.email, seen);
    expect((await api('POST', '/v1/public/portal/setup', { body: { token: reset, password: 'Another-Pa55word!' } })).status).toBe(200);
    expect((await getContact(g.contactId, true))!.portalSub).toBe(sub);
    const idToken = (await login(stack.info, g.email, 'Another-Pa55word!', 'portal')).idToken;
    expect(claimsOf(idToken)).toMatchObject({ contactId: g.contactId, companyId: g.companyId });
    expect((await api('GET', '/v1/portal/me', { token: g.tokens.idToken })).status).toBe(200);
  });
});

describe('a pending invite of an archived company', () => {
  it('cannot be redeemed while the company is archived (403 PORTAL_PAUSED, nothing written), and can once it is restored', async () => {
    const companyId = await company('Litware');
    const d = await contact(companyId, 'Dee', 'litware');
    expect((await api('POST', `/v1/contacts/${d.id}/invite`, { token: tech })).status).toBe(202);
    const token = await nextOutboxToken(stack.info.ses.endpoint, d.email);
    const before = (await getContact(d.id, true))!;
    await setCompanyStatus(companyId, 'archived');

    const refused = await api('POST', '/v1/public/portal/setup', { body: { token, password: PORTAL_PASSWORD } });
    expect(refused).toMatchObject({ status: 403, body: { code: 'PORTAL_PAUSED', title: 'Portal access is paused' } });
    const after = (await getContact(d.id, true))!;
    expect(after).toEqual(before);
    const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: stack.info.cognito.portal.userPoolId, Username: before.portalUsername! }));
    expect(user.UserStatus).toBe('FORCE_CHANGE_PASSWORD'); // no password was set
    const tokenItem = await db().send(new GetCommand({ TableName: tableName(), Key: keys.portalToken(hashToken(token)), ConsistentRead: true }));
    expect(tokenItem.Item?.claimedAt).toBeUndefined(); // the link was given back

    await setCompanyStatus(companyId, 'active');
    expect((await api('POST', '/v1/public/portal/setup', { body: { token, password: PORTAL_PASSWORD } })).status).toBe(200);
  });
});
