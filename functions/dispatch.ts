/**
 * An area function's handler: API Gateway invokes it for every route of its area (`area` in
 * shared/routes.ts), with the same payload-2.0 event a route's own function would get; it runs
 * the module the route table names for `event.routeKey`, which authorizes and answers as ever.
 *
 * Each module comes through a lazy `() => import('./x')`: esbuild's code splitting
 * (infra/bundling) puts each in chunks of the function's directory that Node reads on the
 * module's first request, not at cold start. So a cold area function loads this dispatcher and
 * the route table, and on a route's first request that route's module with what it imports: the
 * HTTP handling, zod, Powertools, the DynamoDB client (test/infra/bundles.test.ts checks that
 * each module is bundled and that none is read at init; `npm run bench` times both). The 404
 * for a route key not in the area comes the same way: it needs the same HTTP error handling,
 * which a static import would bring into init.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { routeKeyOf, routes, type Area, type RouteDef } from '../shared/routes';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** Route module (its path in the route table) → its lazy import. */
export type AreaModules = Record<string, () => Promise<{ handler: unknown }>>;

export const areaDispatcher = (area: Area, modules: AreaModules): Handler => {
  const served = (routes as readonly RouteDef[]).filter((r) => r.area === area);
  // The map is listed by hand beside the table: a module it lacks (or one the area no longer
  // serves) fails the function's initialisation, and so its tests, rather than one route at run time.
  const missing = [...new Set(served.map((r) => r.handler))].filter((h) => !(h in modules));
  const extra = Object.keys(modules).filter((h) => !served.some((r) => r.handler === h));
  if (missing.length || extra.length) {
    throw new Error(`functions/${area}/api.ts does not match the route table: missing ${missing.join(', ') || 'none'}; not in the area ${extra.join(', ') || 'none'}`);
  }
  const byKey = new Map(served.map((r) => [routeKeyOf(r), modules[r.handler]!]));
  return async (event, context) => {
    const load = byKey.get(event.routeKey);
    // API Gateway sends an area function only its own routes; anything else is answered like an unknown route.
    if (!load) return (await import('./fallback/not-found')).handler(event);
    const mod = (await load()) as { handler: Handler };
    return mod.handler(event, context);
  };
};
