/**
 * Turns an API Gateway v2 event into a typed request: the route from the route table (by
 * `routeKey`), the caller and its role check, then body limits, content type, JSON and the
 * zod schemas of the handler. Every refusal is a typed 4xx.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { findRoute, type RouteDef } from '../routes';
import { callerFrom, callerOfClaims, mayCall, type Caller } from './caller';
import { poolVerifier, stringifyClaims, type Verify } from './jwt';
import { ENV, requireEnv } from '../env';
import {
  ApiError,
  BadRequestError,
  ForbiddenError,
  ForbiddenRoleError,
  InternalError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
  jsonPointer,
  type ErrorLocation,
  type FieldError,
} from './errors';
import { idempotencyContext, type IdempotencyContext } from './idempotency';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The 204 a `minimalAnswer` route gives to `Prefer: return=minimal`. */
export const MINIMAL_ANSWER = { description: 'Changed; sent `Prefer: return=minimal` (RFC 7240): no body, `ETag` carries the new version, `Preference-Applied: return=minimal`' } as const;

export interface RequestSpec {
  /** Success responses by status, for the OpenAPI document (`schema` absent: no body). */
  responses?: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** Error codes the operation may answer with, by status, for the OpenAPI document. */
  errors?: Record<number, readonly string[]>;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Media type the body must have (default JSON). */
  contentType?: 'application/json' | 'text/csv';
  /**
   * The change may be answered `204` with its `ETag` and no body when the client sends
   * `Prefer: return=minimal` (RFC 7240): a write at a named version then needs no read after it.
   */
  minimalAnswer?: true;
}

type Out<S, K extends keyof RequestSpec> = S extends { [P in K]: infer T extends z.ZodType } ? z.output<T> : undefined;

export interface ApiRequest<S extends RequestSpec = RequestSpec> {
  event: APIGatewayProxyEventV2WithJWTAuthorizer;
  route: RouteDef;
  /** The verified caller; `undefined` only on public routes. */
  caller: Caller | undefined;
  params: Out<S, 'params'>;
  query: Out<S, 'query'>;
  body: Out<S, 'body'>;
  /** Raw body text (CSV routes). */
  rawBody: string;
  headers: Record<string, string>;
  /** The client sent `Prefer: return=minimal` to a route whose spec allows it (`minimalAnswer`). */
  preferMinimal: boolean;
  /** `If-Match`: a version number, or `*`. */
  ifMatch: number | '*' | undefined;
  idempotency: IdempotencyContext | undefined;
}

/** The staff caller of a staff route (the route table guarantees one); never an integration key. */
export const staffCaller = (req: ApiRequest<RequestSpec>): Caller => {
  if (!req.caller || req.caller.pool !== 'staff' || req.caller.integrationKey) throw new UnauthorizedError();
  return req.caller;
};

let staffVerifier: Promise<Verify> | undefined;

/**
 * The caller of a route the gateway passed through without its authorizer (`integrationKeys`):
 * an integration key, or a staff token verified here exactly as the authorizer would (locally
 * against the local Cognito's keys). Anything else: undefined (401).
 */
const bearerCaller = async (authorization: string | undefined): Promise<Caller | undefined> => {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  if (token.startsWith('clk_')) {
    // Loaded on the first key only: every API function parses requests here, few take keys.
    const { authenticateIntegrationKey } = await import('../integration-keys/integration-key.service');
    const holder = await authenticateIntegrationKey(token);
    return holder && { pool: 'staff', sub: `integration-key:${holder.id}`, email: null, groups: [], claims: {}, integrationKey: holder };
  }
  // A verifier that cannot be made (the deployment's pool settings, the local JWKS) is a 500, and is tried again on the next request.
  staffVerifier ??= (async () => poolVerifier({ userPoolId: requireEnv(ENV.STAFF_USER_POOL_ID), clientId: requireEnv(ENV.STAFF_CLIENT_ID) }, process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER))().catch(
    (err: unknown) => {
      staffVerifier = undefined;
      throw err;
    },
  );
  const verify = await staffVerifier;
  try {
    return callerOfClaims(stringifyClaims(await verify(token)), 'staff');
  } catch {
    return undefined;
  }
};

/** Tests and the local stack point the function at another pool between runs. */
export const resetStaffVerifier = (): void => {
  staffVerifier = undefined;
};

/** A body issue's path as a JSON Pointer; a parameter's as its name. */
const zodErrors = (error: z.ZodError, where: ErrorLocation): FieldError[] =>
  error.issues.flatMap((i) => {
    const at = (segments: PropertyKey[]) => (where === 'body' ? jsonPointer(segments.map(String)) : segments.map(String).join('.'));
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ in: where, path: at([...i.path, k]), message: 'Unknown field' }));
    return [{ in: where, path: at(i.path), message: i.message }];
  });

const parseWith = <T extends z.ZodType | undefined>(schema: T, value: unknown, where: ErrorLocation) => {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(zodErrors(result.error, where));
  return result.data;
};

const parseIfMatch = (header: string | undefined): number | '*' | undefined => {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value);
  if (!m) throw new BadRequestError('INVALID_IF_MATCH', 'If-Match must be an ETag this API returned, e.g. "3".', [{ in: 'header', path: 'If-Match', message: 'Invalid ETag' }]);
  return Number(m[1]);
};

/** RFC 7240: `Prefer` holds comma-separated preferences; `return=minimal` asks for no representation. */
const prefersMinimal = (header: string | undefined): boolean =>
  (header ?? '').split(',').some((p) => p.split(';')[0]!.replace(/\s+/g, '').toLowerCase() === 'return=minimal');

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON must be UTF-8 (RFC 8259 §8.1) and its strings whole Unicode text: invalid bytes (which a
 * lenient decode would turn into U+FFFD) and `\uD800`-style lone surrogates (which JSON.parse
 * accepts) are refused as malformed, so neither is ever stored or echoed back.
 */
const parseJson = (bytes: Buffer): unknown => {
  const malformed = (detail: string) => new BadRequestError('MALFORMED_JSON', detail);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw malformed('The request body is not valid UTF-8.');
  }
  const whole = (v: string) => !/[\uD800-\uDFFF]/.test(v.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
  try {
    return JSON.parse(text, function (key, value: unknown) {
      if (!whole(key) || (typeof value === 'string' && !whole(value))) throw new RangeError('lone surrogate');
      return value;
    });
  } catch (err) {
    throw malformed(err instanceof RangeError ? 'The request body holds a string that is not valid Unicode (a lone surrogate).' : 'The request body is not valid JSON.');
  }
};

const mediaType = (header: string | undefined): string => (header ?? '').split(';')[0]!.trim().toLowerCase();

export const parseRequest = async <S extends RequestSpec>(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  spec: S,
): Promise<ApiRequest<S>> => {
  const route = findRoute(event.routeKey);
  // A function deployed for a route the table does not know is a deployment error, not the caller's.
  if (!route) throw new InternalError();

  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? '']));
  let caller: Caller | undefined;
  if (route.pool !== 'public') {
    // Claims only API Gateway's authorizer can have put there; a route that also takes integration keys has none, and verifies the bearer here.
    caller = callerFrom(event, route.pool) ?? (route.integrationKeys ? await bearerCaller(headers.authorization) : undefined);
    if (!caller) throw new UnauthorizedError();
    if (caller.integrationKey) {
      if (!route.integrationKeys || !caller.integrationKey.scopes.includes(route.integrationKeys)) throw new ForbiddenError('FORBIDDEN_ROLE', 'Forbidden', 'This integration key does not allow this action.');
    } else if (route.pool === 'staff' && !mayCall(caller, route.groups ?? [])) throw new ForbiddenRoleError();
  }

  const bytes = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  const limit = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (bytes.length > limit) throw new PayloadTooLargeError(limit);

  const rawBody = bytes.toString('utf8');
  let json: unknown;
  if (spec.body) {
    const expected = spec.contentType ?? 'application/json';
    if (bytes.length > 0 && mediaType(headers['content-type']) !== expected) throw new UnsupportedMediaTypeError(expected);
    if (expected === 'application/json') json = bytes.length === 0 ? undefined : parseJson(bytes);
    else json = rawBody;
  } else if (bytes.length > 0 && route.method !== 'GET') {
    // A route that takes no body still refuses one it cannot read, instead of ignoring it.
    if (mediaType(headers['content-type']) !== 'application/json') throw new UnsupportedMediaTypeError('application/json');
  }

  const params = parseWith(spec.params, event.pathParameters ?? {}, 'path');
  const query = parseWith(spec.query, event.queryStringParameters ?? {}, 'query');
  const body = parseWith(spec.body, json, 'body');
  const ifMatch = parseIfMatch(headers['if-match']);
  const idempotency =
    route.method === 'POST' && caller
      ? idempotencyContext(headers['idempotency-key'], caller.sub, event.routeKey, event.rawPath, json)
      : undefined;

  const preferMinimal = spec.minimalAnswer === true && prefersMinimal(headers.prefer);

  return { event, route, caller, params, query, body, rawBody, headers, ifMatch, preferMinimal, idempotency } as ApiRequest<S>;
};

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;
