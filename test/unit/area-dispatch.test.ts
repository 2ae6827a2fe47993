/**
 * Area functions (functions/dispatch.ts): each area's dispatcher lists exactly the modules of
 * its routes in the table, runs the one `event.routeKey` names with the event and context as
 * received, and answers a route key that is not its own like an unknown route.
 */
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { areaDispatcher, type AreaModules } from '../../functions/dispatch';
import { loadHandler } from '../../infra/local/handlers';
import { AREAS, areaEntry, routeKeyOf, routes, type RouteDef } from '../../shared/routes';
import { call, httpEvent, invoke, lambdaContext } from '../helpers/http-event';

const routesOf = (area: string) => (routes as readonly RouteDef[]).filter((r) => r.area === area);

/** Route modules that answer with what they were called with. */
const echoModules = (area: (typeof AREAS)[number]): AreaModules =>
  Object.fromEntries(
    routesOf(area).map((r) => [r.handler, async () => ({ handler: async (event: { routeKey: string }, context: Context) => ({ statusCode: 200, body: JSON.stringify({ module: r.handler, routeKey: event.routeKey, requestId: context.awsRequestId }) }) })]),
  );

describe('area dispatchers', () => {
  it.each(AREAS)('%s: its function initialises (its map matches the route table) and exports a handler', async (area) => {
    // As the local gateway loads it.
    expect(typeof (await loadHandler(areaEntry(area)))).toBe('function');
  });

  it('runs the module the route table names for the route key, with the event and context as received', async () => {
    for (const area of AREAS) {
      const dispatch = areaDispatcher(area, echoModules(area));
      for (const r of routesOf(area)) {
        const res = (await dispatch(httpEvent({ route: routeKeyOf(r), params: { id: 'x', addressId: 'y', template: 'contacts.csv' } }), lambdaContext)) as { body: string };
        expect(JSON.parse(res.body), routeKeyOf(r)).toEqual({ module: r.handler, routeKey: routeKeyOf(r), requestId: lambdaContext.awsRequestId });
      }
    }
  });

  it('answers a route key of another function like an unknown route, without running a module', async () => {
    const dispatch = areaDispatcher('imports', echoModules('imports'));
    const res = await invoke(dispatch as never, httpEvent({ route: 'GET /v1/companies/{id}', params: { id: 'x' } }));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ROUTE_NOT_FOUND');
  });

  it('refuses to start with a module missing from its map, or one the area does not serve', () => {
    const modules = echoModules('records');
    const [first] = Object.keys(modules);
    const { [first!]: _dropped, ...missing } = modules;
    expect(() => areaDispatcher('records', missing)).toThrow(/missing functions\/records/);
    expect(() => areaDispatcher('records', { ...modules, 'functions/companies/get-company.ts': async () => ({ handler: async () => ({}) }) })).toThrow(/not in the area functions\/companies\/get-company\.ts/);
  });

  it('answers through the real route module: the imports area serves a template, and checks the caller’s role as the route declares', async () => {
    const { handler } = (await import('../../functions/imports/api')) as { handler: never };
    const ok = await invoke(handler, httpEvent({ route: 'GET /v1/imports/templates/{template}', params: { template: 'contacts.csv' }, groups: ['Technician'] }));
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/csv/);
    // Same answer as the module called on its own.
    expect(ok.body).toBe((await call({ route: 'GET /v1/imports/templates/{template}', params: { template: 'contacts.csv' }, groups: ['Technician'] })).body);
    const refused = await invoke(handler, httpEvent({ route: 'GET /v1/imports/templates/{template}', params: { template: 'contacts.csv' }, groups: [] }));
    expect(refused.status).toBe(403);
  });
});
