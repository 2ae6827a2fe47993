/**
 * The local API Gateway: an HTTP server generated from the route table, as the CDK stack's
 * HTTP API is. It verifies the bearer JWT against the route's Cognito pool exactly as the HTTP
 * API's JWT authorizer does (signature from the pool's JWKS, issuer, `aud` or `client_id`,
 * expiry), builds the same payload-2.0 event (claims as strings under
 * `requestContext.authorizer.jwt.claims`), and invokes the function that serves the route as
 * Lambda would: an area's dispatcher (which picks the route's module by `event.routeKey`) or
 * the route's own module, under that function's name and timeout.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { poolVerifier, stringifyClaims, type Verify } from '../../shared/http/jwt';
import { matchPath } from '../../shared/http/paths';
import { scrub } from '../../shared/logger';
import { apiFunctionOf, fallbackRoute, fallbackThrottle, routeFunctionDefaults, routeKeyOf, routes, throttleOf, type Pool, type RouteDef, type Throttle } from '../../shared/routes';
import { functionNameOf, invoke, loadHandler, localContext } from './handlers';
import { closeServer } from './engines/util';

/** API Gateway HTTP APIs refuse payloads above 10 MB. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
/** The longest URL (path and query) the gateway takes; longer ones get a problem+json `414`. */
export const GATEWAY_MAX_URL = 8 * 1024;
/** The most header bytes (names, values, separators) the gateway takes; more get a problem+json `431`. */
export const GATEWAY_MAX_HEADERS = 16 * 1024;
/**
 * Node's own header limit, set well above ours so our check, not Node's bare `431`, answers;
 * beyond it the `clientError` handler still answers with a problem document.
 */
const NODE_MAX_HEADER_SIZE = 4 * GATEWAY_MAX_HEADERS;

export interface PoolConfig {
  userPoolId: string;
  clientId: string;
}

export interface GatewayOptions {
  port: number;
  cognitoEndpoint: string;
  pools: { staff: PoolConfig; portal: PoolConfig };
  /** Apply the route table's throttling (default true), as the HTTP API stage does. */
  throttle?: boolean;
  log?: (line: string) => void;
}

export interface Gateway {
  url: string;
  stop: () => Promise<void>;
}

/** Tokens remembered at most; the oldest is forgotten first. */
const VERIFIED_MAX = 1_000;

/**
 * Verifies each distinct token once and answers its claims again until it expires: a token's
 * signature, issuer and audience cannot change, so only `exp` is checked on a repeat. The RSA
 * verification is the gateway's largest cost per request and is API Gateway's, not a
 * function's, in the cloud; done once per token it no longer competes with the handlers for
 * this process's CPU. Refusals are not remembered.
 */
const rememberVerified = (verify: Verify): Verify => {
  const verified = new Map<string, JwtPayload>();
  return async (token) => {
    const known = verified.get(token);
    if (known && typeof known.exp === 'number' && known.exp * 1000 > Date.now()) return known;
    verified.delete(token);
    const payload = await verify(token);
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, payload);
    return payload;
  };
};

/** Literal segments win over parameters, as in API Gateway. */
const specificity = (r: RouteDef) => r.path.split('/').map((s) => (s.startsWith('{') ? (s.endsWith('+}') ? 0 : 1) : 2));
const byMostSpecific = (a: RouteDef, b: RouteDef) => {
  const sa = specificity(a);
  const sb = specificity(b);
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) if ((sa[i] ?? -1) !== (sb[i] ?? -1)) return (sb[i] ?? -1) - (sa[i] ?? -1);
  return 0;
};
const table: RouteDef[] = [...routes].sort(byMostSpecific);

const TEXT_TYPES = /^(text\/|application\/(json|[\w.+-]*\+json|xml|x-www-form-urlencoded|javascript))/i;

const problem = (status: number, code: string, title: string, detail: string, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/problem+json', ...headers },
  body: JSON.stringify({ type: 'about:blank', title, status, detail, code, errors: [] }),
});

/**
 * API Gateway's route throttling: one token bucket per route, shared by all callers, holding
 * `burstLimit` tokens and refilled at `rateLimit` per second. Answers how many seconds until a
 * request would pass (0: it passes now and takes a token).
 */
export const tokenBuckets = (now: () => number = Date.now) => {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (key: string, limit: Throttle): number => {
    const t = now();
    const b = buckets.get(key) ?? { tokens: limit.burstLimit, at: t };
    b.tokens = Math.min(limit.burstLimit, b.tokens + ((t - b.at) / 1000) * limit.rateLimit);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / limit.rateLimit));
  };
};

/** Bytes the request's headers take on the wire (`name: value\r\n` each). */
const headerBytes = (req: IncomingMessage): number => {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) n += Buffer.byteLength(req.rawHeaders[i]!) + Buffer.byteLength(req.rawHeaders[i + 1]!) + 4;
  return n;
};

/** A problem document written straight to a socket Node could not parse a request from. */
const rawProblem = (status: number, reason: string, code: string, detail: string): string => {
  const body = JSON.stringify({ type: 'about:blank', title: reason, status, detail, code, errors: [] });
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
};

/** What the gateway logs of a request: its path, cut short, never its query string (OAuth codes, states, tokens). */
const pathOf = (pathname: string): string => pathname.slice(0, 200);

const readBody = (req: IncomingMessage): Promise<Buffer | 'too-large'> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > GATEWAY_MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });

export const startGateway = async (opts: GatewayOptions): Promise<Gateway> => {
  const verifiers: Record<Exclude<Pool, 'public'>, Verify> = {
    staff: rememberVerified(await poolVerifier(opts.pools.staff, opts.cognitoEndpoint)),
    portal: rememberVerified(await poolVerifier(opts.pools.portal, opts.cognitoEndpoint)),
  };

  const authorize = async (pool: Pool, header: string | undefined): Promise<Record<string, string> | 'denied' | undefined> => {
    if (pool === 'public') return undefined;
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (!token) return 'denied';
    try {
      return stringifyClaims(await verifiers[pool](token));
    } catch {
      return 'denied';
    }
  };

  const throttled = tokenBuckets();

  const handle = async (req: IncomingMessage, started: number, url: URL, route: RouteDef | undefined): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    if ((req.url ?? '').length > GATEWAY_MAX_URL) {
      return problem(414, 'URI_TOO_LONG', 'URI too long', `URLs longer than ${GATEWAY_MAX_URL} characters are refused by the gateway.`);
    }
    if (headerBytes(req) > GATEWAY_MAX_HEADERS) {
      return problem(431, 'HEADERS_TOO_LARGE', 'Request header fields too large', `Request headers above ${GATEWAY_MAX_HEADERS} bytes are refused by the gateway.`);
    }
    // Throttling comes before the authorizer, as on API Gateway: a flood of bad tokens is throttled too.
    if (opts.throttle !== false) {
      const wait = throttled(route ? routeKeyOf(route) : '$default', route ? throttleOf(route) : fallbackThrottle);
      if (wait > 0) return problem(429, 'THROTTLED', 'Too many requests', 'This route is receiving more requests than it allows; try again shortly.', { 'retry-after': String(wait) });
    }
    if (body === 'too-large') return problem(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', 'Request bodies above 10 MB are refused by the gateway.');

    let claims: Record<string, string> | undefined;
    if (route) {
      const verdict = await authorize(route.integrationKeys ? 'public' : route.pool, req.headers.authorization);
      if (verdict === 'denied') return problem(401, 'UNAUTHORIZED', 'Unauthorized', 'A valid bearer token from the right user pool is required.');
      claims = verdict;
    }

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
    const isText = !headers['content-type'] || TEXT_TYPES.test(headers['content-type']);
    const routeKey = route ? routeKeyOf(route) : '$default';
    const requestId = randomUUID();
    const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      cookies: headers.cookie?.split(/;\s*/),
      headers,
      queryStringParameters: Object.keys(query).length ? query : undefined,
      pathParameters: route ? matchPath(route.path, url.pathname) : undefined,
      body: body.length ? (isText ? body.toString('utf8') : body.toString('base64')) : undefined,
      isBase64Encoded: body.length > 0 && !isText,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId,
        routeKey,
        stage: '$default',
        time: new Date(started).toUTCString(),
        timeEpoch: started,
        ...(claims ? { authorizer: { jwt: { claims, scopes: claims.scope ? claims.scope.split(' ') : null } } } : {}),
      },
    };
    if (!event.pathParameters || Object.keys(event.pathParameters).length === 0) delete event.pathParameters;
    const fn = route ? apiFunctionOf(route) : { entry: fallbackRoute.handler, timeoutSeconds: routeFunctionDefaults.timeoutSeconds };
    const handler = await loadHandler(fn.entry);
    const result = (await invoke(handler, event, localContext(functionNameOf(fn.entry), fn.timeoutSeconds, requestId))) as APIGatewayProxyStructuredResultV2 | string | undefined;
    if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result ?? null) };
    }
    return result;
  };

  const respond = (res: ServerResponse, result: APIGatewayProxyStructuredResultV2) => {
    const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    res.writeHead(result.statusCode ?? 200, headers);
    res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined);
  };

  const server: Server = createServer({ maxHeaderSize: NODE_MAX_HEADER_SIZE }, (req, res) => {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return respond(res, problem(400, 'VALIDATION_FAILED', 'Invalid request', 'The request URL could not be parsed.'));
    }
    const path = pathOf(url.pathname);
    const route = table.find((r) => r.method === method && matchPath(r.path, url.pathname));
    // Each line names the function that served the request, as its CloudWatch log group would.
    const fn = functionNameOf(route ? apiFunctionOf(route).entry : fallbackRoute.handler);
    handle(req, started, url, route)
      .catch((err: unknown) => {
        // A handler that throws is a Lambda error: API Gateway answers 500 without a body of ours.
        opts.log?.(`[${fn}] ${method} ${path} failed: ${scrub((err as Error).stack ?? String(err))}`);
        return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Internal Server Error' }) };
      })
      .then((result) => {
        respond(res, result);
        opts.log?.(`[${fn}] ${method} ${path} → ${result.statusCode} (${Date.now() - started} ms)`);
      });
  });
  // A request Node cannot parse (headers beyond even Node's limit, a broken request line) still gets a problem document.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    socket.end(
      err.code === 'HPE_HEADER_OVERFLOW'
        ? rawProblem(431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE', `Request headers above ${GATEWAY_MAX_HEADERS} bytes are refused by the gateway.`)
        : rawProblem(400, 'Bad Request', 'VALIDATION_FAILED', 'The HTTP request could not be parsed.'),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => closeServer(server),
  };
};
