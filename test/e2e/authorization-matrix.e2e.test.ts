/**
 * The authorization matrix, generated from the route table: every route is called by every
 * identity through the local gateway with real cognito-local tokens, and the answer expected
 * comes from the route's declared pool and groups alone:
 *
 * - no token, or a token from a pool the route does not take (the portal pool on a staff
 *   route, the staff pool on a portal route, a pool the API does not know): `401 UNAUTHORIZED`;
 * - a staff group the route does not list (SuperAdmin is always allowed): `403 FORBIDDEN_ROLE`;
 * - an allowed caller: anything but 401/403 (typically 404 for an id it may not see, 400 for a
 *   missing body, 200), and never a 5xx or an error that is not problem+json.
 *
 * Path ids name real records of a company the portal user does not belong to, so a portal
 * route also shows that another company's ticket is not found. A route added to the table is
 * in the matrix without a change here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeKeyOf, routes, STAFF_GROUPS, type RouteDef, type StaffGroup } from '../../shared/routes';
import { apiClient, concretePath, foreignPoolToken, portalUser, recordsOfOneCompany, staffToken, type Api, type ApiResponse, type PathIds } from '../support/api';
import { startStack, type TestStack } from '../support/stack';

let stack: TestStack;
let api: Api;

type Identity =
  | { name: 'anonymous'; kind: 'anonymous' }
  | { name: string; kind: 'staff'; group: StaffGroup; token: string }
  | { name: 'portal user of another company'; kind: 'portal'; token: string }
  | { name: 'SuperAdmin of a foreign pool'; kind: 'foreign'; token: string };

const identities: Identity[] = [];
const ids: PathIds = {};

beforeAll(async () => {
  stack = await startStack();
  api = apiClient(stack.info);
  const staff = await Promise.all(STAFF_GROUPS.map(async (group) => ({ name: `staff ${group}`, kind: 'staff' as const, group, token: await staffToken(stack.info, group) })));
  const admin = staff.find((s) => s.group === 'Admin')!.token;
  const [outsider, foreign] = await Promise.all([portalUser(stack.info, admin, 'Outsider'), foreignPoolToken(stack.info)]);
  identities.push(
    { name: 'anonymous', kind: 'anonymous' },
    ...staff,
    { name: 'portal user of another company', kind: 'portal', token: outsider.idToken },
    { name: 'SuperAdmin of a foreign pool', kind: 'foreign', token: foreign },
  );

  // The records the matrix's paths name belong to a company the portal user is not in.
  Object.assign(ids, await recordsOfOneCompany(stack.info, admin));
}, 120_000);
afterAll(async () => stack?.stop());

type Expected = 'unauthorized' | 'forbidden' | 'allowed';

/** The answer the route table promises this identity. */
const expected = (route: RouteDef, who: Identity): Expected => {
  if (route.pool === 'public') return 'allowed';
  if (route.pool === 'portal') return who.kind === 'portal' ? 'allowed' : 'unauthorized';
  if (who.kind !== 'staff') return 'unauthorized';
  return who.group === 'SuperAdmin' || (route.groups ?? []).includes(who.group) ? 'allowed' : 'forbidden';
};

/** What is wrong with an answer, or nothing. */
const verdict = (want: Expected, res: ApiResponse): string | undefined => {
  const problem = res.headers.get('content-type')?.startsWith('application/problem+json');
  if (res.status >= 500) return `${res.status} ${res.text.slice(0, 200)}`;
  if (res.status >= 400 && (!problem || typeof res.body?.code !== 'string')) return `${res.status} without a problem+json code: ${res.text.slice(0, 200)}`;
  if (want === 'unauthorized') return res.status === 401 && res.body.code === 'UNAUTHORIZED' ? undefined : `expected 401 UNAUTHORIZED, got ${res.status} ${res.body?.code ?? ''}`;
  if (want === 'forbidden') return res.status === 403 && res.body.code === 'FORBIDDEN_ROLE' ? undefined : `expected 403 FORBIDDEN_ROLE, got ${res.status} ${res.body?.code ?? ''}`;
  return res.status === 401 || res.status === 403 ? `expected to be let in, got ${res.status} ${res.body?.code ?? ''}` : undefined;
};

let tried = 0;
const tally: Record<Expected, number> = { unauthorized: 0, forbidden: 0, allowed: 0 };

describe('authorization matrix (route table × identities)', () => {
  // Destructive routes last, so that every other route is tried against records that still exist.
  const ordered = [...(routes as readonly RouteDef[])].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

  it.each(ordered.map((r) => [routeKeyOf(r), r] as const))('%s', async (_key, route) => {
    const path = concretePath(route.path, ids);
    const wrong: string[] = [];
    // Staff groups one after another: an allowed group's call may change the record (archive, deactivate).
    for (const who of identities) {
      const want = expected(route, who);
      const res = await api(route.method, path, { token: 'token' in who ? who.token : undefined });
      const why = verdict(want, res);
      if (why) wrong.push(`${who.name}: ${why}`);
      tried++;
      tally[want]++;
    }
    expect(wrong, `${route.method} ${path}`).toEqual([]);
  });

  it('tried every route with every identity', () => {
    expect(identities).toHaveLength(STAFF_GROUPS.length + 3);
    expect(tried).toBe(routes.length * identities.length);
    // The figure docs/security.md records.
    console.info(`authorization matrix: ${routes.length} routes × ${identities.length} identities = ${tried} requests (${tally.unauthorized} expected 401, ${tally.forbidden} expected 403, ${tally.allowed} let in)`);
  });
});
