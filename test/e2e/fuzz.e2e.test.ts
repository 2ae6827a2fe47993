/**
 * Property-based fuzzing of every route's request schema through the local gateway. For each
 * route in the table, fast-check builds requests from the route's zod spec
 * (shared/openapi/operations.ts): path parameters (real ids, valid ids of nothing, junk), query
 * strings (valid, one field off, junk pairs, broken percent-encoding), bodies (valid, near
 * misses, any JSON, text that is not JSON, the wrong media type) and headers (If-Match,
 * Idempotency-Key, Content-Type), sent by a caller the route lets in. The property: never a 5xx,
 * and every error is application/problem+json with a `code`.
 *
 * Runs are bounded (FUZZ_RUNS per route, default 30) so the file stays under two minutes on two
 * cores; FUZZ_SEED replays a failure fast-check reports.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../shared/openapi/operations';
import { routeKeyOf, routes, type RouteDef } from '../../shared/routes';
import { concretePath, portalUser, recordsOfOneCompany, staffToken, type PathIds } from '../support/api';
import { badValue, headerText, jsonSchemaOf, nastyString, nearMiss, validValue } from '../support/schema-arbitrary';
import { startStack, type TestStack } from '../support/stack';

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let stack: TestStack;
let superAdmin: string;
let portal: string;
let ids: PathIds;
beforeAll(async () => {
  stack = await startStack();
  superAdmin = await staffToken(stack.info, 'SuperAdmin');
  // Portal routes are fuzzed by a contact of a company of its own: staff routes fuzzed with real
  // ids may archive the records' company, which would pause its portal and end the fuzzing at 403.
  [ids, portal] = await Promise.all([recordsOfOneCompany(stack.info, superAdmin), portalUser(stack.info, superAdmin, 'Fuzzer').then((u) => u.idToken)]);
}, 120_000);
afterAll(async () => stack?.stop());

interface FuzzRequest {
  params: Record<string, string>;
  query: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A query value as it travels: strings as they are, anything else as JSON. */
const asQueryValue = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

const queryArbitrary = (route: RouteDef): fc.Arbitrary<string> => {
  const spec = operations[routeKeyOf(route)];
  const junkPairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'cursor', 'q', 'status', 'companyId', 'state', 'code'), fc.string({ maxLength: 8 })), nastyString()), { maxLength: 3 });
  const encode = (pairs: [string, string][]) => new URLSearchParams(pairs).toString();
  const options: fc.Arbitrary<string>[] = [
    junkPairs.map(encode),
    fc.constantFrom('%', '%zz', 'a=%E0%A4%A', '&&&=', '=', 'limit=1&limit=2', 'cursor=%00', `q=${'%F0%9F'.repeat(3)}`),
  ];
  if (spec?.query) {
    const schema = jsonSchemaOf(spec.query);
    const toPairs = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).map(([k, x]) => [k, asQueryValue(x)] as [string, string]) : [['value', asQueryValue(v)] as [string, string]]);
    options.push(validValue(schema).map((v) => encode(toPairs(v))), validValue(schema).map((v) => encode(toPairs(v))), nearMiss(schema).map((v) => encode(toPairs(v))));
  }
  return fc.oneof(...options);
};

const paramsArbitrary = (route: RouteDef): fc.Arbitrary<Record<string, string>> => {
  const spec = operations[routeKeyOf(route)];
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const schema = spec?.params ? jsonSchemaOf(spec.params) : undefined;
  const one = (name: string): fc.Arbitrary<string> => {
    const prop = schema?.properties?.[name];
    const choices: fc.Arbitrary<string>[] = [
      fc.constant('$real'),
      nastyString().filter((s) => s.length > 0 && s.length < 2000),
      fc.string({ minLength: 1, maxLength: 30 }),
      // Sent as they are: broken percent-encoding and bytes that are not UTF-8.
      fc.constantFrom('%', '%zz', '%ED%A0%80', '%FF%FE', '%C0%AF', '..', '%2e%2e', '%2F', 'a%00b').map((raw) => `$raw:${raw}`),
    ];
    if (prop) choices.push(validValue(prop, schema).map(asQueryValue), badValue(prop, schema).map(asQueryValue).filter((s) => s.length > 0 && s.length < 2000));
    return fc.oneof(...choices);
  };
  return fc.record(Object.fromEntries(names.map((n) => [n, one(n)])));
};

const bodyArbitrary = (route: RouteDef): fc.Arbitrary<{ body: string | undefined; contentType: string | undefined }> => {
  const spec = operations[routeKeyOf(route)];
  const mediaType = spec?.contentType ?? 'application/json';
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant(mediaType) },
    { weight: 1, arbitrary: fc.constantFrom(`${mediaType}; charset=utf-8`, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json', 'text/csv') },
    { weight: 1, arbitrary: headerText(40) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const junk = fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.string({ maxLength: 60 }), fc.constantFrom('{', '{"a":', '[1,2', 'null', '""', '{"__proto__":{"polluted":1}}', '{"a":1,"a":2}', '9'.repeat(400), `${'['.repeat(5000)}${']'.repeat(5000)}`));
  let payload: fc.Arbitrary<string | undefined>;
  if (spec?.body && mediaType === 'application/json') {
    const schema = jsonSchemaOf(spec.body);
    payload = fc.oneof(
      { weight: 3, arbitrary: validValue(schema).map((v) => JSON.stringify(v)) },
      { weight: 4, arbitrary: nearMiss(schema).map((v) => JSON.stringify(v)) },
      { weight: 2, arbitrary: junk },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  } else if (spec?.body) {
    // CSV uploads: a header row and some rows, with quotes, delimiters and line breaks in odd places.
    const cell = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"', '""', 'a"b', '"a,b"', '\r', '\n', ';', '=1+1', ''));
    const row = fc.array(cell, { minLength: 1, maxLength: 6 }).map((cells) => cells.join(','));
    payload = fc.oneof(
      fc.tuple(fc.constantFrom('email,firstName,lastName,company', 'name,city,country', 'E-mail;First Name;Surname', ''), fc.array(row, { maxLength: 5 })).map(([h, rows]) => [h, ...rows].join('\r\n')),
      junk,
      fc.constant(undefined),
    );
  } else {
    payload = route.method === 'GET' ? fc.constant(undefined) : fc.oneof(fc.constant(undefined), junk);
  }
  return fc.record({ body: payload, contentType });
};

const headersArbitrary = (route: RouteDef) =>
  fc.record(
    {
      'if-match': fc.oneof(fc.constantFrom('"1"', '*', 'W/"2"', '"999999999999999999"', '""', '"-1"'), headerText(30)),
      'idempotency-key': fc.oneof(fc.uuid(), headerText(300), fc.constant('')),
      accept: fc.constantFrom('*/*', 'application/xml', 'text/html', ''),
      'x-forwarded-for': headerText(40),
    },
    { requiredKeys: [] },
  ).map((h) => (route.method === 'POST' || route.method === 'PATCH' || route.method === 'DELETE' ? h : { ...h, 'if-match': undefined, 'idempotency-key': undefined }));

const requestArbitrary = (route: RouteDef): fc.Arbitrary<FuzzRequest> =>
  fc.record({ params: paramsArbitrary(route), query: queryArbitrary(route), headers: headersArbitrary(route), payload: bodyArbitrary(route) }).map(({ params, query, headers, payload }) => ({
    params,
    query,
    headers: Object.fromEntries(
      Object.entries({ ...headers, 'content-type': payload.body === undefined ? undefined : payload.contentType }).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    body: payload.body,
  }));

let fuzzed = 0;
const statuses = new Map<number, number>();

const send = async (route: RouteDef, req: FuzzRequest) => {
  const path = concretePath(route.path, ids, (p) => {
    const v = req.params[p]!;
    if (v === '$real') return undefined;
    if (v.startsWith('$raw:')) return v.slice('$raw:'.length);
    // Lone surrogates cannot be percent-encoded; they travel as U+FFFD, as a browser would send them.
    return encodeURIComponent(Buffer.from(v, 'utf8').toString('utf8'));
  });
  const token = route.pool === 'staff' ? superAdmin : route.pool === 'portal' ? portal : undefined;
  const res = await fetch(`${stack.info.apiUrl}${path}${req.query ? `?${req.query}` : ''}`, {
    method: route.method,
    headers: { ...req.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: req.body,
  });
  const text = await res.text();
  fuzzed++;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, path };
};

describe('fuzzing every route schema through the gateway', () => {
  it.each((routes as readonly RouteDef[]).map((r) => [routeKeyOf(r), r] as const))('%s: never a 5xx, every error problem+json with a code', async (_key, route) => {
    await fc.assert(
      fc.asyncProperty(requestArbitrary(route), async (req) => {
        const res = await send(route, req);
        expect(res.status, `${route.method} ${res.path}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.contentType, `${res.status} ${res.path}`).toBe('application/problem+json');
          expect(typeof JSON.parse(res.text).code, res.text.slice(0, 300)).toBe('string');
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it('fuzzed every route', () => {
    expect(fuzzed).toBeGreaterThanOrEqual(routes.length * RUNS);
    // The figure docs/security.md records.
    console.info(`fuzzing: ${fuzzed} requests over ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
  });
});
