/**
 * Calling the local stack as a client does: a small HTTP client, a portal user made through the
 * API (company, contact, invite, the emailed link, set-up, portal login), and a token from a
 * Cognito pool the API does not know (an attacker's own pool on the same Cognito endpoint).
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ulid } from 'ulid';
import type { StackInfo } from '../../infra/local/stack';
import { nextOutboxToken } from '../../infra/local/engines/ses';
import { afterAll, beforeAll } from 'vitest';
import { login, startStack, type TestStack, type TestStackOptions } from './stack';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body, when it is JSON. */
  body: any;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Api = (method: string, path: string, opts?: CallOptions) => Promise<ApiResponse>;

export const apiClient =
  (info: StackInfo): Api =>
  async (method, path, opts = {}) => {
    const res = await fetch(`${info.apiUrl}${path}`, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, text, body };
  };

/** A staff user's ID token, by group (the local stack seeds one user per group). */
export const staffToken = async (info: StackInfo, group: string): Promise<string> => {
  const user = info.users.find((u) => u.groups[0] === group)!;
  return (await login(info, user.email, user.password, 'staff')).idToken;
};

/**
 * One e2e file's local stack, started before its tests and stopped after them, with an API
 * client and an ID token for each of `groups` (the stack seeds one user per staff group).
 */
export const useStack = (groups: readonly string[], opts: TestStackOptions = {}) => {
  const e2e = { stack: undefined as unknown as TestStack, tokens: {} as Record<string, string>, api: (async () => { throw new Error('The stack is not started'); }) as Api };
  beforeAll(async () => {
    e2e.stack = await startStack(opts);
    e2e.api = apiClient(e2e.stack.info);
    for (const g of groups) e2e.tokens[g] = await staffToken(e2e.stack.info, g);
  }, 120_000);
  afterAll(async () => e2e.stack?.stop());
  return e2e;
};

export const PORTAL_PASSWORD = 'Portal-Pa55word!';

export interface PortalUser {
  companyId: string;
  contactId: string;
  email: string;
  idToken: string;
  /** The set-up token from the invitation email (single use, already redeemed). */
  setupToken: string;
}

/** A company and one of its contacts who accepted the invitation and logged in to the portal. */
export const portalUser = async (info: StackInfo, staff: string, name: string): Promise<PortalUser> => {
  const api = apiClient(info);
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const created = await api('POST', '/v1/companies', { token: staff, body: { name: `${name} ${run}` } });
  if (created.status !== 201) throw new Error(`company: ${created.status} ${created.text}`);
  const companyId = created.body.id as string;
  const email = `${name.toLowerCase().replace(/\W/g, '')}.${run}@example.com`;
  const contact = await api('POST', '/v1/contacts', { token: staff, body: { firstName: name, lastName: 'Portal', email, companyId } });
  if (contact.status !== 201) throw new Error(`contact: ${contact.status} ${contact.text}`);
  const contactId = contact.body.id as string;
  const invite = await api('POST', `/v1/contacts/${contactId}/invite`, { token: staff });
  if (invite.status !== 202) throw new Error(`invite: ${invite.status} ${invite.text}`);
  const setupToken = await nextOutboxToken(info.ses.endpoint, email);
  const setup = await api('POST', '/v1/public/portal/setup', { body: { token: setupToken, password: PORTAL_PASSWORD } });
  if (setup.status !== 200) throw new Error(`setup: ${setup.status} ${setup.text}`);
  const { idToken } = await login(info, email, PORTAL_PASSWORD, 'portal');
  return { companyId, contactId, email, idToken, setupToken };
};

/**
 * An ID token from a user pool of the attacker's own on the same Cognito endpoint, whose user is
 * in a group named `SuperAdmin`: signed by the right key, everything right but the pool.
 */
export const foreignPoolToken = async (info: StackInfo): Promise<string> => {
  const cognito = new CognitoIdentityProviderClient({ endpoint: info.cognito.endpoint, region: info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const pool = (await cognito.send(new CreateUserPoolCommand({ PoolName: `foreign-${Date.now()}`, UsernameAttributes: ['email'] }))).UserPool!.Id!;
    const client = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool, ClientName: 'foreign', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!
      .ClientId!;
    const email = 'superadmin@attacker.example';
    const password = 'Attacker-Pa55word!';
    await cognito.send(new CreateGroupCommand({ UserPoolId: pool, GroupName: 'SuperAdmin' }));
    await cognito.send(new AdminCreateUserCommand({ UserPoolId: pool, Username: email, UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }], MessageAction: 'SUPPRESS' }));
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username: email, Password: password, Permanent: true }));
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: pool, Username: email, GroupName: 'SuperAdmin' }));
    const poolInfo = { ...info, cognito: { ...info.cognito, staff: { userPoolId: pool, clientId: client } } };
    return (await login(poolInfo, email, password, 'staff')).idToken;
  } finally {
    cognito.destroy();
  }
};

/** Path parameter values by the collection the parameter follows (`/v1/contacts/{id}` → `contacts`). */
export type PathIds = Record<string, string>;

/**
 * A company (with a portal contact) and one record of every kind in it, for requests whose paths
 * should name real records: the ids by collection, for `concretePath`.
 */
export const recordsOfOneCompany = async (info: StackInfo, staff: string): Promise<PathIds & { portalUser: string }> => {
  const api = apiClient(info);
  const target = await portalUser(info, staff, 'Target');
  const made = async (path: string, body: unknown) => {
    const res = await api('POST', path, { token: staff, body });
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
    return res.body.id as string;
  };
  return {
    portalUser: target.idToken,
    companies: target.companyId,
    contacts: target.contactId,
    tickets: await made('/v1/tickets', { companyId: target.companyId, subject: 'Printer on fire' }),
    assets: await made('/v1/assets', { companyId: target.companyId, name: 'Laptop 7' }),
    invoices: await made('/v1/invoices', { companyId: target.companyId, number: `INV-${Date.now()}`, total: '10.00' }),
    addresses: await made(`/v1/companies/${target.companyId}/addresses`, { line1: '1 Main St', city: 'Springfield', country: 'US' }),
    contracts: await made(`/v1/companies/${target.companyId}/contracts`, { name: 'Break-fix', type: 'break_fix', startDate: '2026-01-01', hourlyRate: '120' }),
    templates: 'contacts.csv',
  };
};

/** The collection a path parameter names an id of: the segment before it, or the parameter's own name. */
export const collectionOf = (path: string, param: string): string => {
  if (param === 'addressId') return 'addresses';
  if (param === 'template') return 'templates';
  const segments = path.split('/');
  return segments[segments.indexOf(`{${param}}`) - 1]!;
};

/** A concrete path: each `{param}` gets the id of its collection in `ids`, or a fresh id no record has. */
export const concretePath = (path: string, ids: PathIds, value: (param: string) => string | undefined = () => undefined): string =>
  path.replace(/\{(\w+)\}/g, (_, param: string) => value(param) ?? ids[collectionOf(path, param)] ?? ulid());

/** Every item of a list route, page after page (`limit=100`, following `nextCursor`). */
export const listAll = async <T = any>(api: Api, token: string, path: string): Promise<T[]> => {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page = await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${page.text}`);
    items.push(...(page.body.items as T[]));
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
};
