/**
 * The whole local stack on free ports: real JWTs from cognito-local, the local gateway on the
 * route table, DynamoDB Local behind it. Drives the companies API over HTTP as a client would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, type TestStack } from '../support/stack';

let stack: TestStack;
let tokens: Record<string, string>;

beforeAll(async () => {
  stack = await startStack();
  tokens = {};
  for (const user of stack.info.users) tokens[user.groups[0]!] = (await login(stack.info, user.email, user.password, 'staff')).idToken;
});
afterAll(async () => stack?.stop());

const call = async (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
  const res = await fetch(`${stack.info.apiUrl}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text };
};

describe('companies over HTTP', () => {
  it('writes a stack description in the shape API.md gives', () => {
    expect(stack.info).toMatchObject({
      apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      region: 'us-east-1',
      cognito: { endpoint: expect.any(String), staff: { userPoolId: expect.any(String), clientId: expect.any(String) }, portal: { userPoolId: expect.any(String), clientId: expect.any(String) } },
      dynamodb: { endpoint: expect.any(String), tableName: expect.any(String) },
      sqs: { endpoint: expect.any(String) },
      ses: { endpoint: expect.any(String), outboxUrl: expect.any(String) },
    });
    expect(stack.info.users.map((u) => u.groups[0]).sort()).toEqual(['Admin', 'ComplianceAdmin', 'MSPAdmin', 'SuperAdmin', 'Technician']);
  });

  it('creates, reads, searches, edits and audits a company', async () => {
    const name = `E2E Fabrikam ${Date.now()}`;
    const created = await call('POST', '/v1/companies', { token: tokens.Admin, body: { name, website: 'https://fabrikam.example' } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.headers.get('location')).toBe(`/v1/companies/${id}`);

    const read = await call('GET', `/v1/companies/${id}`, { token: tokens.Technician });
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');

    const search = await call('GET', `/v1/companies?q=${encodeURIComponent(name.slice(0, 12).toLowerCase())}`, { token: tokens.ComplianceAdmin });
    expect(search.body.items.map((c: { id: string }) => c.id)).toContain(id);

    const edited = await call('PATCH', `/v1/companies/${id}`, { token: tokens.MSPAdmin, body: { industry: 'Manufacturing' }, headers: { 'if-match': '"1"' } });
    expect(edited.status).toBe(200);
    expect(edited.body.version).toBe(2);
    expect(edited.headers.get('etag')).toBe('"2"');
    expect(edited.body).toMatchObject({ name, industry: 'Manufacturing', website: 'https://fabrikam.example' });

    const stale = await call('PATCH', `/v1/companies/${id}`, { token: tokens.MSPAdmin, body: { industry: 'Retail' }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'VERSION_MISMATCH', detail: expect.stringContaining('(2)') });

    const audit = await call('GET', `/v1/companies/${id}/audit`, { token: tokens.SuperAdmin });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['company.updated', 'company.created']);
    expect(audit.body.items[1].actor.email).toBe(stack.info.users.find((u) => u.groups[0] === 'Admin')!.email);
    // Written at If-Match's version without a read: the sent value, no `from`, and the versions.
    expect(audit.body.items[0]).toMatchObject({ changes: { industry: { to: 'Manufacturing' } }, version: { from: 1, to: 2 } });
    expect(audit.body.items[0].changes.industry).not.toHaveProperty('from');

    const archived = await call('POST', `/v1/companies/${id}/archive`, { token: tokens.Admin, body: {} });
    expect(archived.status).toBe(200);
    const refused = await call('PATCH', `/v1/companies/${id}`, { token: tokens.MSPAdmin, body: { industry: 'Retail' }, headers: { 'if-match': `"${archived.body.version}"` } });
    expect(refused).toMatchObject({ status: 409, body: { code: 'COMPANY_ARCHIVED' } });
    const missing = await call('PATCH', '/v1/companies/01JDQ7Z8K3M4N5P6Q7R8S9T0V1', { token: tokens.MSPAdmin, body: { industry: 'Retail' }, headers: { 'if-match': '"1"' } });
    expect(missing.status).toBe(404);
  });

  it('enforces roles from the route table', async () => {
    const res = await call('POST', '/v1/companies', { token: tokens.Technician, body: { name: `Nope ${Date.now()}` } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN_ROLE');
  });

  it('answers 401 problem+json for a missing, tampered or wrong-pool token', async () => {
    const none = await call('GET', '/v1/companies');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.body.code).toBe('UNAUTHORIZED');

    const [h, p, s] = tokens.Admin!.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload['cognito:groups'] = ['SuperAdmin'];
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect((await call('GET', '/v1/companies', { token: tampered })).status).toBe(401);
    expect((await call('GET', '/v1/companies', { token: 'not-a-jwt' })).status).toBe(401);
  });

  it('answers bad input with documented 4xx over HTTP', async () => {
    const t = tokens.Admin!;
    expect((await call('POST', '/v1/companies', { token: t, body: '{"name":', headers: { 'content-type': 'application/json' } })).body.code).toBe('MALFORMED_JSON');
    expect((await call('POST', '/v1/companies', { token: t, body: 'name=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await call('POST', '/v1/companies', { token: t, body: { name: 'x', notes: 'n'.repeat(1_100_000) } })).status).toBe(413);
    expect((await call('GET', '/v1/companies/abc', { token: t })).status).toBe(400);
    expect((await call('GET', '/v1/companies?cursor=abc', { token: t })).body.code).toBe('INVALID_CURSOR');
    expect((await call('DELETE', '/v1/companies', { token: t })).status).toBe(405);
    expect((await call('GET', '/v1/nowhere', { token: t })).status).toBe(404);
  });

  it('serves the OpenAPI document and the docs page without a token', async () => {
    const doc = await call('GET', '/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const docs = await call('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.body).toContain('swagger-ui-bundle.js');
    expect((await call('GET', '/docs/swagger-ui.css')).status).toBe(200);
  });
});

describe('CRM sync, inbound, over HTTP', () => {
  it('upserts a company and its contact by the CRM’s ids: 201, then 200 with nothing written when nothing differs', async () => {
    const stamp = Date.now();
    // An external id with characters a path must encode.
    const companyPath = `/v1/external/hubspot/companies/${encodeURIComponent(`co #${stamp}/a b`)}`;
    const created = await call('PUT', companyPath, { token: tokens.MSPAdmin, body: { name: `E2E CRM Co ${stamp}`, industry: 'Retail' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/companies/${created.body.id}`);
    expect(created.body.externalIds).toEqual({ hubspot: `co #${stamp}/a b` });

    const contactPath = `/v1/external/hubspot/contacts/ct-${stamp}`;
    const contactBody = { firstName: 'Crm', lastName: 'Person', email: `crm.${stamp}@example.com`, companyExternalId: `co #${stamp}/a b` };
    const contact = await call('PUT', contactPath, { token: tokens.Admin, body: contactBody });
    expect(contact.status).toBe(201);
    expect(contact.body).toMatchObject({ companyId: created.body.id, externalIds: { hubspot: `ct-${stamp}` }, version: 1 });

    const echo = await call('PUT', contactPath, { token: tokens.Admin, body: contactBody });
    expect(echo.status).toBe(200);
    expect(echo.headers.get('etag')).toBe('"1"');
    const renamed = await call('PUT', companyPath, { token: tokens.SuperAdmin, body: { name: `E2E CRM Co ${stamp} Ltd` } });
    expect(renamed.body).toMatchObject({ id: created.body.id, industry: 'Retail', version: 2 });

    expect((await call('PUT', contactPath, { token: tokens.Technician, body: contactBody })).status).toBe(403);
    expect((await call('PUT', '/v1/external/Hub_Spot/contacts/x', { token: tokens.Admin, body: contactBody })).body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
