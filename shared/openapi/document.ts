/**
 * Builds the OpenAPI 3.1 document from the route table and each route's zod spec, so the
 * document cannot drift from what the handlers accept. Auth, roles and the standard errors come
 * from the route table entry.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import { problemSchema } from '../common/schemas';
import { routes, type RouteDef } from '../routes';
import { operations } from './operations';

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input',
  401: 'Missing, expired, tampered or wrong-pool token',
  403: 'Authenticated but not allowed',
  404: 'Not found',
  409: 'State conflict',
  412: 'If-Match does not match the current version',
  413: 'Body too large',
  415: 'Wrong content type',
  422: 'Idempotency-Key reused with another body',
  429: 'Throttled',
};

const problem = (status: number, codes: readonly string[]): ResponseConfig => ({
  description: `${STATUS_TEXT[status] ?? 'Error'}${codes.length ? ` (codes: ${codes.join(', ')})` : ''}`,
  content: { 'application/problem+json': { schema: problemSchema } },
});

const errorsOf = (route: RouteDef, codes: Record<number, readonly string[]>): Record<number, string[]> => {
  const all: Record<number, string[]> = { 400: ['VALIDATION_FAILED'] };
  const add = (status: number, ...c: string[]) => (all[status] = [...new Set([...(all[status] ?? []), ...c])]);
  if (route.pool !== 'public') add(401, 'UNAUTHORIZED');
  if (route.pool === 'staff') add(403, 'FORBIDDEN_ROLE');
  // Every route is throttled (shared/routes.ts `throttleOf`); a persisting DynamoDB throttle is a 429 too.
  add(429, 'THROTTLED');
  if (route.method !== 'GET') add(400, 'MALFORMED_JSON'), add(413, 'PAYLOAD_TOO_LARGE'), add(415, 'UNSUPPORTED_MEDIA_TYPE');
  if (route.method === 'POST') add(400, 'INVALID_IDEMPOTENCY_KEY');
  if (route.method === 'PATCH' || route.method === 'DELETE') add(400, 'INVALID_IF_MATCH');
  for (const [status, list] of Object.entries(codes)) add(Number(status), ...list);
  return all;
};

const toRouteConfig = (route: RouteDef): RouteConfig => {
  const spec = operations[`${route.method} ${route.path}`];
  if (!spec) throw new Error(`Route ${route.method} ${route.path} has no spec in shared/openapi/operations.ts`);
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, r] of Object.entries(spec.responses ?? {})) {
    responses[Number(status)] = r.schema
      ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: r.schema } } }
      : { description: r.description, ...(r.contentType ? { content: { [r.contentType]: { schema: z.string() } } } : {}) };
  }
  for (const [status, codes] of Object.entries(errorsOf(route, spec.errors ?? {}))) responses[Number(status)] = problem(Number(status), codes);
  const groups = route.pool === 'staff' ? ` Staff groups: ${(route.groups ?? []).join(', ')} (SuperAdmin always).` : '';
  const prefer = spec.minimalAnswer ? { prefer: z.string().optional().describe('`return=minimal`: answer 204 with the ETag, no body (one DynamoDB request with a numeric If-Match)') } : {};
  const ifMatch = route.method === 'PATCH' || route.method === 'DELETE' || spec.minimalAnswer ? { 'if-match': z.string().optional() } : {};
  const headers = route.method === 'POST' ? z.object({ 'idempotency-key': z.string().min(1).max(255).optional() }) : Object.keys({ ...ifMatch, ...prefer }).length ? z.object({ ...ifMatch, ...prefer }) : undefined;
  return {
    method: route.method.toLowerCase() as RouteConfig['method'],
    path: route.path,
    summary: route.summary,
    description: `Pool: ${route.pool}.${groups}`,
    tags: [route.path.split('/')[2] ?? 'docs'],
    security: route.pool === 'public' ? [] : [{ [route.pool]: [] }, ...(route.integrationKeys ? [{ integrationKey: [] }] : [])],
    request: {
      ...(spec.params ? { params: spec.params as z.ZodObject } : {}),
      ...(spec.query ? { query: spec.query as z.ZodObject } : {}),
      ...(headers ? { headers } : {}),
      ...(spec.body ? { body: { required: true, content: { [spec.contentType ?? 'application/json']: { schema: spec.body } } } } : {}),
    },
    responses,
  };
};

export const buildOpenApiDocument = (serverUrl = '/') => {
  const registry = new OpenAPIRegistry();
  const bearer = { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT' };
  registry.registerComponent('securitySchemes', 'staff', { ...bearer, description: 'ID or access token of the staff Cognito user pool' });
  registry.registerComponent('securitySchemes', 'portal', { ...bearer, description: 'ID token of the portal Cognito user pool' });
  registry.registerComponent('securitySchemes', 'integrationKey', { ...bearer, description: 'An integration key (`clk_…`, `POST /v1/integration-keys`), on the routes that take one' });
  for (const route of routes) registry.registerPath(toRouteConfig(route));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Clientele API', version: '1.0.0', description: 'Customer management for managed service providers. Contract: API.md.' },
    servers: [{ url: serverUrl }],
  });
};
