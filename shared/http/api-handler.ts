/**
 * The one way to write an HTTP Lambda: `apiHandler(spec, fn)`. `fn` receives a parsed, authorized
 * request and returns `{ status, body, etag?, location? }`; errors become problem+json (5xx
 * details are logged, never returned) and idempotent replays return the recorded response.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger } from '../logger';
import type { Answer } from './concurrency';
import { ApiError, InternalError } from './errors';
import { IdempotentReplay } from './idempotency';
import { parseRequest, type ApiRequest, type RequestSpec } from './request';

export interface ApiResponse {
  status: number;
  body?: unknown;
  /** The resource's version, sent as `ETag: "<version>"`. */
  etag?: number;
  location?: string;
  headers?: Record<string, string>;
  /** Send `body` as-is with this content type instead of JSON. */
  contentType?: string;
}

/**
 * The answer to a change of a versioned resource: 200 with it and its `ETag`, or, when the client
 * sent `Prefer: return=minimal` (RFC 7240) to a route that allows it, 204 with the `ETag` only.
 */
export const changeAnswer = (req: Pick<ApiRequest, 'preferMinimal'>, written: { version: number }): ApiResponse =>
  req.preferMinimal
    ? { status: 204, etag: written.version, headers: { 'preference-applied': 'return=minimal' } }
    : { status: 200, body: written, etag: written.version };

/** What the client asked a change to be answered with. */
export const answerOf = (req: Pick<ApiRequest, 'preferMinimal'>): Answer => (req.preferMinimal ? 'minimal' : 'representation');

const BASE_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export const toResult = (res: ApiResponse): APIGatewayProxyStructuredResultV2 => {
  const headers: Record<string, string> = { ...BASE_HEADERS, ...res.headers };
  if (res.etag !== undefined) headers.etag = `"${res.etag}"`;
  if (res.location) headers.location = res.location;
  if (res.body === undefined) return { statusCode: res.status, headers };
  if (res.contentType) return { statusCode: res.status, headers: { ...headers, 'content-type': res.contentType }, body: String(res.body) };
  return { statusCode: res.status, headers: { ...headers, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(res.body) };
};

export const problemResult = (error: ApiError): APIGatewayProxyStructuredResultV2 => ({
  statusCode: error.status,
  headers: { ...BASE_HEADERS, ...error.headers, 'content-type': 'application/problem+json' },
  body: JSON.stringify(error.toJSON()),
});

/** Maps anything thrown to a response; the one place errors become HTTP. */
export const errorToResult = (error: unknown): APIGatewayProxyStructuredResultV2 => {
  if (error instanceof IdempotentReplay) {
    return toResult({ ...error.response, headers: { ...error.response.headers, 'idempotent-replayed': 'true' } });
  }
  if (error instanceof ApiError && error.status < 500) return problemResult(error);
  if (isThrottle(error)) return problemResult(new ApiError(429, 'THROTTLED', 'Too many requests', 'Try again shortly.', [], { 'retry-after': '1' }));
  logger.error('Unhandled error', error as Error);
  return problemResult(new InternalError());
};

const isThrottle = (e: unknown): boolean =>
  e instanceof Error && ['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'].includes(e.name);

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export const apiHandler = <S extends RequestSpec>(spec: S, fn: (req: ApiRequest<S>) => Promise<ApiResponse>): Handler =>
  middy<APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: async (request) => {
        request.response = errorToResult(request.error);
      },
    })
    .handler(async (event) => toResult(await fn(await parseRequest(event, spec))));
