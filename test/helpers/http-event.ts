/**
 * API Gateway v2 events for calling handlers directly, built from the sample in `events/` so
 * tests use the real shape (claims as strings, groups as `[A B]`).
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import sample from '../../events/http/staff-create-company.json';
import { findRoute } from '../../shared/routes';
import type { StaffGroup } from '../../shared/routes';

export interface EventOptions {
  /** A route key from the route table, e.g. `GET /v1/companies/{id}`. */
  route: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Raw body text; wins over `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
  groups?: StaffGroup[];
  sub?: string;
  email?: string;
  /** Send no claims at all, as for a public route. */
  anonymous?: boolean;
}

export const httpEvent = (o: EventOptions): APIGatewayProxyEventV2WithJWTAuthorizer => {
  const route = findRoute(o.route);
  if (!route) throw new Error(`No route ${o.route}`);
  const path = route.path.replace(/\{(\w+)\+?\}/g, (_, k: string) => encodeURIComponent(o.params?.[k] ?? ''));
  const body = o.rawBody ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  const event = structuredClone(sample) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  const headers: Record<string, string> = { ...sample.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers };
  delete headers['idempotency-key'];
  if (o.headers?.['idempotency-key']) headers['idempotency-key'] = o.headers['idempotency-key'];
  if (body === undefined) delete headers['content-type'];
  if (o.headers && 'content-type' in o.headers) headers['content-type'] = o.headers['content-type']!;
  const qs = new URLSearchParams(o.query ?? {}).toString();
  Object.assign(event, {
    routeKey: o.route,
    rawPath: path,
    rawQueryString: qs,
    headers,
    queryStringParameters: o.query,
    pathParameters: o.params,
    body,
    isBase64Encoded: false,
  });
  event.requestContext.routeKey = o.route;
  event.requestContext.http.method = route.method;
  event.requestContext.http.path = path;
  if (o.anonymous || route.pool === 'public') delete (event.requestContext as { authorizer?: unknown }).authorizer;
  else {
    const claims = event.requestContext.authorizer.jwt.claims as Record<string, string>;
    claims['cognito:groups'] = `[${(o.groups ?? ['Admin']).join(' ')}]`;
    if (o.sub) claims.sub = o.sub;
    if (o.email) claims.email = o.email;
  }
  return event;
};

export const lambdaContext = { awsRequestId: 'test-request', functionName: 'test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

type Handler = (event: never, context: Context) => Promise<unknown>;

export interface TestResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
}

export const invoke = async (handler: Handler, event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<TestResponse> => {
  const res = (await handler(event as never, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const headers = (res.headers ?? {}) as Record<string, string>;
  const text = res.body ?? '';
  const json = /json/.test(headers['content-type'] ?? '') && text ? JSON.parse(text) : text;
  return { status: res.statusCode ?? 200, headers, body: json };
};

/**
 * Calls a route's handler module (found in the route table) with an event for `o.route`:
 * `call({ route: 'POST /v1/contacts', body })`.
 */
export const call = async (o: EventOptions): Promise<TestResponse> => {
  const route = findRoute(o.route);
  if (!route) throw new Error(`No route ${o.route}`);
  const mod = (await import(`../../${route.handler}`)) as { handler: Handler };
  return invoke(mod.handler, httpEvent(o));
};
