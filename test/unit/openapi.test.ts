/** The OpenAPI document: valid 3.1 by a real validator, and every route of the table documented. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { handler as getOpenApi } from '../../functions/openapi/get-openapi';
import { handler as getDocs } from '../../functions/openapi/get-docs';
import { routes, type RouteDef } from '../../shared/routes';
import { httpEvent, invoke } from '../helpers/http-event';

const fetchDocument = async () => {
  const res = await invoke(getOpenApi, httpEvent({ route: 'GET /v1/openapi.json' }));
  expect(res.status).toBe(200);
  return res.body;
};

describe('GET /v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route of the route table, with its security and error codes', async () => {
    const doc = await fetchDocument();
    for (const route of routes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op.security).toEqual(route.pool === 'public' ? [] : [{ [route.pool]: [] }, ...((route as RouteDef).integrationKeys ? [{ integrationKey: [] }] : [])]);
      if (route.pool !== 'public') expect(op.responses['401']).toBeDefined();
      if (route.pool === 'staff') expect(op.responses['403'].description).toContain('FORBIDDEN_ROLE');
    }
    expect(doc.paths['/v1/companies'].post.responses['409'].description).toContain('COMPANY_NAME_TAKEN');
    expect(doc.components.schemas.Company.properties.counts).toBeDefined();
  });
});

describe('GET /docs', () => {
  it('serves the Swagger UI page and its assets from the package, not a CDN', async () => {
    const page = await invoke(getDocs, httpEvent({ route: 'GET /docs' }));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('/v1/openapi.json');
    expect(page.body).not.toMatch(/https?:\/\//);
    const js = await invoke(getDocs, httpEvent({ route: 'GET /docs/{asset}', params: { asset: 'swagger-ui-bundle.js' } }));
    expect(js.status).toBe(200);
    expect(js.body.length).toBeGreaterThan(100_000);
    const missing = await invoke(getDocs, httpEvent({ route: 'GET /docs/{asset}', params: { asset: '..%2Fpackage.json' } }));
    expect(missing.status).toBe(404);
  });
});
