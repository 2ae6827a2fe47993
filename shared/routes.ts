/**
 * The route table: every HTTP route of the API, as data only (no handler imports), so the CDK
 * stack, the local gateway, the OpenAPI check and the handlers' own role checks all read the
 * same entries. A route is declared here and nowhere else.
 */
import type { QueueName } from './queues';

export const STAFF_GROUPS = ['SuperAdmin', 'Admin', 'MSPAdmin', 'ComplianceAdmin', 'Technician'] as const;
export type StaffGroup = (typeof STAFF_GROUPS)[number];

/** Who may call a route: a staff-pool token, a portal-pool token, or nobody (public). */
export type Pool = 'staff' | 'portal' | 'public';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** What the route's function may do with the table; CDK grants exactly this. */
export type TableAccess = 'none' | 'read' | 'write';

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path syntax: `/v1/companies/{id}`. */
  path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  handler: string;
  pool: Pool;
  /** Staff routes: the groups allowed. `SuperAdmin` is always allowed. */
  groups?: readonly StaffGroup[];
  table: TableAccess;
  /** Queues the function sends to. */
  queues?: readonly QueueName[];
  /** Signs or verifies what clients carry back (list cursors, links, OAuth state): gets the signing key. */
  signing?: boolean;
  /** Largest accepted request body, in bytes (default 1 MB). */
  maxBodyBytes?: number;
  /** One line for the OpenAPI document. */
  summary: string;
  /** Function settings; default `routeFunctionDefaults`. */
  timeoutSeconds?: number;
  memoryMb?: number;
}

/** An API function's timeout and memory unless its route says otherwise (API Gateway waits 30 s at most). */
export const routeFunctionDefaults = { timeoutSeconds: 10, memoryMb: 512 } as const;

// Role sets from API.md's role table.
const EVERY_STAFF = STAFF_GROUPS;
const COMPANY_EDITORS = ['Admin', 'MSPAdmin'] as const;

export const routes = [
  // Companies
  { method: 'POST', path: '/v1/companies', handler: 'functions/companies/create-company.ts', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Create a company' },
  { method: 'GET', path: '/v1/companies', handler: 'functions/companies/list-companies.ts', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: 'List companies by name, with case-insensitive prefix search' },
  { method: 'GET', path: '/v1/companies/{id}', handler: 'functions/companies/get-company.ts', pool: 'staff', groups: EVERY_STAFF, table: 'read', summary: 'Get a company' },
  { method: 'PATCH', path: '/v1/companies/{id}', handler: 'functions/companies/update-company.ts', pool: 'staff', groups: COMPANY_EDITORS, table: 'write', summary: 'Update a company' },
  { method: 'GET', path: '/v1/companies/{id}/audit', handler: 'functions/audit/list-company-audit.ts', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: "A company's audit entries, newest first" },
  { method: 'GET', path: '/v1/audit', handler: 'functions/audit/list-audit.ts', pool: 'staff', groups: EVERY_STAFF, table: 'read', signing: true, summary: 'Audit entries of a company, also after its permanent delete' },

  // API description
  { method: 'GET', path: '/v1/openapi.json', handler: 'functions/openapi/get-openapi.ts', pool: 'public', table: 'none', summary: 'The OpenAPI 3.1 document' },
  { method: 'GET', path: '/docs', handler: 'functions/openapi/get-docs.ts', pool: 'public', table: 'none', summary: 'API reference (Swagger UI)' },
  { method: 'GET', path: '/docs/{asset}', handler: 'functions/openapi/get-docs.ts', pool: 'public', table: 'none', summary: 'API reference assets' },
] as const satisfies readonly RouteDef[];

export type Route = (typeof routes)[number];
export type RouteKey = `${Route['method']} ${Route['path']}`;

/** API Gateway's route key, as it appears in `event.routeKey`. */
export const routeKeyOf = (r: Pick<RouteDef, 'method' | 'path'>): string => `${r.method} ${r.path}`;

const byKey = new Map<string, RouteDef>(routes.map((r) => [routeKeyOf(r), r]));
export const findRoute = (routeKey: string): RouteDef | undefined => byKey.get(routeKey);

/**
 * The catch-all (`$default`) function: answers 404 for an unknown path and 405 for a known
 * path with another method, in problem+json, on AWS and locally alike.
 */
export const fallbackRoute = { handler: 'functions/fallback/not-found.ts', summary: 'Unknown route' } as const;

/** Handler modules, one Lambda function each (two routes may share one module, e.g. /docs). */
export const handlerEntries = (): string[] => [...new Set<string>([...routes.map((r) => r.handler), fallbackRoute.handler])];
