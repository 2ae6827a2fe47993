/**
 * Who is calling: read from the JWT claims the HTTP API authorizer (or the local gateway)
 * verified. API Gateway passes every claim as a string, arrays as `[a b]`.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { STAFF_GROUPS, type Pool, type StaffGroup } from '../routes';

export interface Caller {
  pool: Pool;
  sub: string;
  email: string | null;
  groups: StaffGroup[];
  claims: Record<string, string>;
  /** A tool calling with an integration key (a route's `integrationKeys`), not a person: no groups, only the key's scopes. */
  integrationKey?: { id: string; name: string; scopes: readonly string[] };
}

const parseList = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value === '') return [];
  const inner = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  return inner.split(/[\s,]+/).filter(Boolean);
};

export const callerFrom = (event: APIGatewayProxyEventV2WithJWTAuthorizer, pool: Pool): Caller | undefined => callerOfClaims(event.requestContext.authorizer?.jwt?.claims, pool);

/** The caller a set of verified JWT claims names (the authorizer's, or a token the function verified itself). */
export const callerOfClaims = (raw: Record<string, unknown> | undefined, pool: Pool): Caller | undefined => {
  if (!raw) return undefined;
  const claims = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
  const groups = parseList(raw['cognito:groups']).filter((g): g is StaffGroup => (STAFF_GROUPS as readonly string[]).includes(g));
  const sub = claims.sub;
  if (!sub) return undefined;
  return { pool, sub, email: claims.email ?? claims.username ?? null, groups, claims };
};

/** SuperAdmin may do everything; otherwise one of the route's groups is needed. */
export const mayCall = (caller: Caller, allowed: readonly StaffGroup[]): boolean =>
  caller.groups.includes('SuperAdmin') || caller.groups.some((g) => allowed.includes(g));
