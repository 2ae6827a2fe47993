/** Bad input at the HTTP edge: each refusal is the documented 4xx problem, before any database call. */
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createCompany } from '../../functions/companies/create-company';
import { handler as getCompany } from '../../functions/companies/get-company';
import { handler as listCompanies } from '../../functions/companies/list-companies';
import { handler as updateCompany } from '../../functions/companies/update-company';
import { handler as notFound } from '../../functions/fallback/not-found';
import { resetEnvCache } from '../../shared/env';
import { httpEvent, invoke } from '../helpers/http-event';

beforeAll(() => {
  process.env.SIGNING_KEY = 'unit-test-key';
  process.env.TABLE_NAME = 'unused';
  resetEnvCache();
});

const expectProblem = (res: { status: number; headers: Record<string, string>; body: any }, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(Array.isArray(res.body.errors)).toBe(true);
};

describe('request parsing', () => {
  it('refuses a body that is not JSON with 415', async () => {
    const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', rawBody: 'name=Acme', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('accepts application/json with a charset parameter (fails later, on validation)', async () => {
    const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body: {}, headers: { 'content-type': 'application/json; charset=utf-8' } }));
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', rawBody: '{"name": "Acme",', headers: { 'content-type': 'application/json' } }));
    expectProblem(res, 400, 'MALFORMED_JSON');
  });

  it('refuses a body over 1 MB with 413', async () => {
    const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body: { name: 'Acme', notes: 'x'.repeat(1024 * 1024) } }));
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('rejects unknown fields and names them', async () => {
    const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body: { name: 'Acme', counts: { tickets: 5 }, status: 'archived' } }));
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/counts', '/status']);
  });

  it('rejects a missing, blank or too long name', async () => {
    for (const name of [undefined, '   ', 'x'.repeat(201)]) {
      const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body: { name } }));
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors[0]).toMatchObject({ in: 'body', path: '/name' });
    }
  });

  it('rejects wrongly typed fields', async () => {
    const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body: { name: 'Acme', employeeCount: 'many', website: 'ftp://x', primaryDomain: 'not a domain', tags: ['a', 'A'] } }));
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/employeeCount', '/primaryDomain', '/tags', '/website']);
  });

  it('rejects a malformed id in the path with 400', async () => {
    const res = await invoke(getCompany, httpEvent({ route: 'GET /v1/companies/{id}', params: { id: 'not-a-ulid' } }));
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors[0]).toMatchObject({ in: 'path', path: 'id' });
  });

  it('rejects an out-of-range limit and a tampered cursor', async () => {
    expectProblem(await invoke(listCompanies, httpEvent({ route: 'GET /v1/companies', query: { limit: '500' } })), 400, 'VALIDATION_FAILED');
    expectProblem(await invoke(listCompanies, httpEvent({ route: 'GET /v1/companies', query: { cursor: 'eyJrIjp7fX0.bad' } })), 400, 'INVALID_CURSOR');
    expectProblem(await invoke(listCompanies, httpEvent({ route: 'GET /v1/companies', query: { status: 'deleted' } })), 400, 'VALIDATION_FAILED');
  });

  it('rejects an If-Match that is not an ETag', async () => {
    const res = await invoke(updateCompany, httpEvent({ route: 'PATCH /v1/companies/{id}', params: { id: '01JDQ7Z8K3M4N5P6Q7R8S9T0V1' }, body: { phone: '1' }, headers: { 'if-match': 'yesterday' } }));
    expectProblem(res, 400, 'INVALID_IF_MATCH');
  });

  it('rejects an empty PATCH', async () => {
    const res = await invoke(updateCompany, httpEvent({ route: 'PATCH /v1/companies/{id}', params: { id: '01JDQ7Z8K3M4N5P6Q7R8S9T0V1' }, body: {} }));
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('rejects an Idempotency-Key that is too long', async () => {
    const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body: { name: 'Acme' }, headers: { 'idempotency-key': 'k'.repeat(256) } }));
    expectProblem(res, 400, 'INVALID_IDEMPOTENCY_KEY');
  });
});

describe('authorization from the route table', () => {
  it('answers 401 when a staff route gets no verified claims', async () => {
    expectProblem(await invoke(getCompany, httpEvent({ route: 'GET /v1/companies/{id}', params: { id: '01JDQ7Z8K3M4N5P6Q7R8S9T0V1' }, anonymous: true })), 401, 'UNAUTHORIZED');
  });

  it('answers 403 FORBIDDEN_ROLE to a Technician creating a company', async () => {
    expectProblem(await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body: { name: 'Acme' }, groups: ['Technician'] })), 403, 'FORBIDDEN_ROLE');
  });

  it('answers 403 to a ComplianceAdmin editing a company', async () => {
    const res = await invoke(updateCompany, httpEvent({ route: 'PATCH /v1/companies/{id}', params: { id: '01JDQ7Z8K3M4N5P6Q7R8S9T0V1' }, body: { phone: '1' }, groups: ['ComplianceAdmin'] }));
    expectProblem(res, 403, 'FORBIDDEN_ROLE');
  });

  it('checks the role before reading the body', async () => {
    const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', rawBody: '{', groups: ['Technician'] }));
    expectProblem(res, 403, 'FORBIDDEN_ROLE');
  });
});

describe('unknown routes', () => {
  const event = (method: string, path: string) => {
    const e = httpEvent({ route: 'GET /v1/openapi.json' });
    return { ...e, routeKey: '$default', rawPath: path, requestContext: { ...e.requestContext, routeKey: '$default', http: { ...e.requestContext.http, method, path } } };
  };

  it('answers 404 ROUTE_NOT_FOUND for a path no route has', async () => {
    expectProblem(await invoke(notFound as never, event('GET', '/v1/nothing') as never), 404, 'ROUTE_NOT_FOUND');
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const res = await invoke(notFound as never, event('DELETE', '/v1/companies') as never);
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('POST, GET');
  });
});
