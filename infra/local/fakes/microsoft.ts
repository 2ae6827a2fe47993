/**
 * A protocol-faithful fake of Microsoft Entra's token endpoint and admin consent, and of the
 * Microsoft Graph calls Clientele makes: `/contracts` (a partner's customer tenants),
 * `/users`, `/users/delta`, `/devices`, `/devices/delta`, with `$select`, `@odata.nextLink`,
 * `@odata.deltaLink`, `@removed`, `410 Gone` for an expired delta token and `429` with
 * `Retry-After`. Page sizes as Graph's: lists honour `$top`; delta queries ignore it and honour
 * `Prefer: odata.maxpagesize` (answering `Preference-Applied`), else use their own default. Tests drive it through the real MSAL and Graph clients;
 * `npm start` runs it with a demo partner and a few customer tenants.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../engines/util';

export const GRAPH_BASE = 'https://graph.microsoft.com/v1.0';

/**
 * A GUID that is the same on every run for the same seed, so the demo tenants, their users and
 * devices keep their ids across `npm start` restarts and the companies linked to them stay linked.
 */
export const stableId = (seed: string): string => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export interface FakeUser {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  userPrincipalName: string;
  jobTitle: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  accountEnabled: boolean;
}

export interface FakeDevice {
  id: string;
  deviceId: string;
  displayName: string;
  operatingSystem: string;
  operatingSystemVersion: string;
  accountEnabled: boolean;
}

type Kind = 'users' | 'devices';

interface Tenant {
  id: string;
  displayName: string;
  defaultDomainName: string;
  objects: Record<Kind, Map<string, Record<string, unknown>>>;
  /** Change log: every upsert or removal gets the next sequence number. */
  log: { seq: number; kind: Kind; id: string; removed: boolean }[];
  seq: number;
  /** Delta tokens issued before this sequence answer 410 Gone. */
  expiredBefore: number;
  throttle: number;
  retryAfterSeconds: number;
}

export interface FakeMicrosoftOptions {
  clientId: string;
  clientSecret: string;
  partnerTenantId: string;
  /** Largest page the fake serves (Graph's cap for users is 999). */
  maxPageSize?: number;
  /** A delta query's page size when no `Prefer: odata.maxpagesize` asks one (default 100). */
  defaultDeltaPageSize?: number;
}

/** One request the fake received: what was asked, and how many objects its page held. */
export interface GraphRequest {
  method: string;
  path: string;
  tenant: string | null;
  prefer?: string | null;
  returned?: number;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const graphError = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  json(res, status, { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID() } } }, headers);

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const unb64 = <T>(s: string): T | undefined => {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString()) as T;
  } catch {
    return undefined;
  }
};

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });

export const startFakeMicrosoft = async (opts: FakeMicrosoftOptions) => {
  const tenants = new Map<string, Tenant>();
  const requests: GraphRequest[] = [];
  const maxPage = opts.maxPageSize ?? 999;
  const defaultDeltaPage = opts.defaultDeltaPageSize ?? 100;

  const tenant = (id: string) => {
    const t = tenants.get(id);
    if (!t) throw new Error(`No fake tenant ${id}`);
    return t;
  };
  const record = (t: Tenant, kind: Kind, id: string, removed: boolean) => t.log.push({ seq: ++t.seq, kind, id, removed });

  const api = {
    addTenant: (t: { id?: string; displayName: string; defaultDomainName: string }) => {
      const id = t.id ?? randomUUID();
      tenants.set(id, { id, displayName: t.displayName, defaultDomainName: t.defaultDomainName, objects: { users: new Map(), devices: new Map() }, log: [], seq: 0, expiredBefore: 0, throttle: 0, retryAfterSeconds: 1 });
      return id;
    },
    upsertUser: (tenantId: string, user: FakeUser) => {
      const t = tenant(tenantId);
      t.objects.users.set(user.id, { ...user });
      record(t, 'users', user.id, false);
    },
    upsertDevice: (tenantId: string, device: FakeDevice) => {
      const t = tenant(tenantId);
      t.objects.devices.set(device.id, { ...device });
      record(t, 'devices', device.id, false);
    },
    /** Changes some properties of an object, as an admin would in Entra. */
    patch: (tenantId: string, kind: Kind, id: string, changes: Record<string, unknown>) => {
      const t = tenant(tenantId);
      t.objects[kind].set(id, { ...t.objects[kind].get(id)!, ...changes });
      record(t, kind, id, false);
    },
    remove: (tenantId: string, kind: Kind, id: string) => {
      const t = tenant(tenantId);
      t.objects[kind].delete(id);
      record(t, kind, id, true);
    },
    /** The next `n` Graph requests for the tenant answer 429 with Retry-After. */
    throttle: (tenantId: string, n: number, retryAfterSeconds = 1) => Object.assign(tenant(tenantId), { throttle: n, retryAfterSeconds }),
    /** Every delta token issued so far answers 410 Gone (as after 7 days). */
    expireDeltaTokens: (tenantId: string) => {
      const t = tenant(tenantId);
      t.expiredBefore = t.seq + 1;
    },
    tenants: () => [...tenants.values()].map((t) => ({ id: t.id, displayName: t.displayName, defaultDomainName: t.defaultDomainName })),
    requests,
  };

  const tokenTenant = (req: IncomingMessage): string | undefined => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const claims = token ? unb64<{ tid: string; exp: number; appid: string }>(token.split('.')[1] ?? '') : undefined;
    if (!claims || claims.exp < Date.now() / 1000 || claims.appid !== opts.clientId) return undefined;
    return claims.tid;
  };

  const select = (o: Record<string, unknown>, fields: string[] | undefined) => (fields ? Object.fromEntries(['id', ...fields].map((f) => [f, o[f] ?? null])) : o);

  /** One page of a list, and the link to the next. */
  const page = <T>(items: T[], offset: number, size: number, link: (next: number) => string) => ({
    value: items.slice(offset, offset + size),
    next: offset + size < items.length ? link(offset + size) : undefined,
  });

  const graph = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const tid = tokenTenant(req);
    const prefer = req.headers.prefer === undefined ? null : String(req.headers.prefer);
    const logged: GraphRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, tenant: tid ?? null, prefer };
    requests.push(logged);
    if (!tid) return graphError(res, 401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
    const t = tenants.get(tid);
    if (!t) return graphError(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    if (t.throttle > 0) {
      t.throttle--;
      return graphError(res, 429, 'TooManyRequests', 'Too many requests.', { 'retry-after': String(t.retryAfterSeconds) });
    }
    const path = url.pathname.replace(/^\/v1\.0/, '');
    const fields = url.searchParams.get('$select')?.split(',').map((s) => s.trim());
    const preferred = /odata\.maxpagesize=(\d+)/.exec(prefer ?? '')?.[1];
    const size = Math.min(maxPage, Number(url.searchParams.get('$top') ?? preferred ?? 100));
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);

    if (path === '/contracts') {
      if (tid !== opts.partnerTenantId) return graphError(res, 403, 'Authorization_RequestDenied', 'Only a partner tenant has contracts.');
      const customers = [...tenants.values()].filter((c) => c.id !== opts.partnerTenantId).map((c) => ({ id: stableId(`contract/${c.id}`), contractType: 'ResellerPartner', customerId: c.id, defaultDomainName: c.defaultDomainName, displayName: c.displayName }));
      const p = page(customers, skip, size, (n) => `${GRAPH_BASE}/contracts?$top=${size}&$skiptoken=${n}`);
      logged.returned = p.value.length;
      return json(res, 200, { '@odata.context': `${GRAPH_BASE}/$metadata#contracts`, value: p.value, ...(p.next ? { '@odata.nextLink': p.next } : {}) });
    }
    const list = /^\/(users|devices)$/.exec(path);
    if (list) {
      const kind = list[1] as Kind;
      const all = [...t.objects[kind].values()].map((o) => select(o, fields));
      const p = page(all, skip, size, (n) => `${GRAPH_BASE}/${kind}?${fields ? `$select=${fields.join(',')}&` : ''}$top=${size}&$skiptoken=${n}`);
      logged.returned = p.value.length;
      return json(res, 200, { value: p.value, ...(p.next ? { '@odata.nextLink': p.next } : {}) });
    }
    const delta = /^\/(users|devices)\/delta$/.exec(path);
    if (delta) {
      const kind = delta[1] as Kind;
      // State rides in the tokens: `$deltatoken` is the sequence seen; `$skiptoken` a page of a round.
      const skipState = url.searchParams.get('$skiptoken') ? unb64<{ since: number; upTo: number; offset: number; fields?: string[] }>(url.searchParams.get('$skiptoken')!) : undefined;
      const deltaToken = url.searchParams.get('$deltatoken');
      const since = skipState?.since ?? (deltaToken ? Number(unb64<{ seq: number }>(deltaToken)?.seq ?? -1) : 0);
      if (Number.isNaN(since) || since < 0) return graphError(res, 400, 'BadRequest', 'Invalid delta token.');
      if (since > 0 && since < t.expiredBefore) return graphError(res, 410, 'SyncStateNotFound', 'The sync state generation is expired or not found; resync required.');
      const upTo = skipState?.upTo ?? t.seq;
      const sel = skipState?.fields ?? fields;
      // `$top` is ignored here, as Graph ignores it on delta; each page is sized by its own request's preference.
      const pageSize = preferred ? Math.max(1, Math.min(maxPage, Number(preferred))) : defaultDeltaPage;
      let items: Record<string, unknown>[];
      if (since === 0) items = [...t.objects[kind].values()].map((o) => select(o, sel));
      else {
        const changed = new Map<string, boolean>();
        for (const e of t.log) if (e.kind === kind && e.seq > since && e.seq <= upTo) changed.set(e.id, e.removed);
        items = [...changed.entries()].map(([id, removed]) => {
          const current = t.objects[kind].get(id);
          return removed || !current ? { id, '@removed': { reason: 'deleted' } } : select(current, sel);
        });
      }
      const offset = skipState?.offset ?? 0;
      const value = items.slice(offset, offset + pageSize);
      const more = offset + pageSize < items.length;
      logged.returned = value.length;
      return json(res, 200, {
        '@odata.context': `${GRAPH_BASE}/$metadata#${kind}`,
        value,
        ...(more
          ? { '@odata.nextLink': `${GRAPH_BASE}/${kind}/delta?$skiptoken=${b64({ since, upTo, offset: offset + pageSize, fields: sel })}` }
          : { '@odata.deltaLink': `${GRAPH_BASE}/${kind}/delta?$deltatoken=${b64({ seq: upTo })}` }),
      }, preferred ? { 'preference-applied': `odata.maxpagesize=${pageSize}` } : {});
    }
    return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${path}' does not exist.`);
  };

  const token = async (req: IncomingMessage, res: ServerResponse, tenantId: string) => {
    const form = new URLSearchParams(await readBody(req));
    const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':') : undefined;
    const clientId = form.get('client_id') ?? basic?.[0];
    const secret = form.get('client_secret') ?? basic?.[1];
    requests.push({ method: 'POST', path: `/${tenantId}/oauth2/v2.0/token`, tenant: tenantId });
    if (form.get('grant_type') !== 'client_credentials') return json(res, 400, { error: 'unsupported_grant_type', error_description: 'AADSTS70003: The app requested an unsupported grant type.' });
    if (clientId !== opts.clientId || secret !== opts.clientSecret) return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    if (!tenants.has(tenantId)) return json(res, 400, { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${tenantId}' not found.` });
    const now = Math.floor(Date.now() / 1000);
    const access = `${b64({ typ: 'JWT', alg: 'none' })}.${b64({ tid: tenantId, appid: opts.clientId, aud: 'https://graph.microsoft.com', iat: now, exp: now + 3600 })}.`;
    return json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: access });
  };

  /** Admin consent: a page to pick a fake customer tenant (or deny), redirecting as Microsoft does. */
  const consent = (res: ServerResponse, url: URL) => {
    const redirect = url.searchParams.get('redirect_uri') ?? '';
    const state = url.searchParams.get('state') ?? '';
    const back = (params: Record<string, string>) => `${redirect}?${new URLSearchParams({ ...params, state })}`;
    const pick = url.searchParams.get('pick');
    if (pick === 'deny') return void res.writeHead(302, { location: back({ error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.' }) }).end();
    if (pick) return void res.writeHead(302, { location: back({ tenant: pick, admin_consent: 'True' }) }).end();
    const links = [...tenants.values()]
      .filter((t) => t.id !== opts.partnerTenantId)
      .map((t) => `<li><a href="?${new URLSearchParams({ ...Object.fromEntries(url.searchParams), pick: t.id })}">${t.displayName} (${t.defaultDomainName})</a></li>`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Fake Microsoft admin consent</title><h1>Grant admin consent</h1><ul>${links}</ul><p><a href="?${new URLSearchParams({ ...Object.fromEntries(url.searchParams), pick: 'deny' })}">Deny</a></p>`);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    const run = async () => {
      if (req.method === 'POST' && tokenPath) return token(req, res, tokenPath[1]!);
      if (/^\/[^/]+\/v2\.0\/adminconsent$/.test(url.pathname)) return consent(res, url);
      if (url.pathname.startsWith('/v1.0/')) return graph(req, res, url);
      return graphError(res, 404, 'NotFound', 'Not found');
    };
    run().catch((err: Error) => graphError(res, 500, 'InternalServerError', err.message));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    ...api,
    url: `http://127.0.0.1:${port}`,
    stop: () => closeServer(server),
  };
};

export type FakeMicrosoft = Awaited<ReturnType<typeof startFakeMicrosoft>>;

/** A tenant's worth of realistic users and devices; the same ids for the same tenant on every run. */
export const fillTenant = (fake: FakeMicrosoft, tenantId: string, domain: string, users: number, devices: number) => {
  const first = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Morgan', 'Casey', 'Riley', 'Jamie', 'Avery', 'Quinn'];
  const last = ['Smith', 'Jones', 'Patel', 'Nguyen', 'Garcia', 'Brown', 'Wilson', 'Khan', 'Murphy', 'Lee'];
  for (let i = 0; i < users; i++) {
    const givenName = first[i % first.length]!;
    const surname = `${last[Math.floor(i / first.length) % last.length]}${i}`;
    const upn = `${givenName}.${surname}@${domain}`.toLowerCase();
    fake.upsertUser(tenantId, { id: stableId(`${tenantId}/user/${i}`), displayName: `${givenName} ${surname}`, givenName, surname, mail: upn, userPrincipalName: upn, jobTitle: i % 7 === 0 ? 'Manager' : 'Staff', mobilePhone: null, businessPhones: [`+1 555 01${String(i % 100).padStart(2, '0')}`], accountEnabled: true });
  }
  for (let i = 0; i < devices; i++) {
    const mobile = i % 3 === 0;
    fake.upsertDevice(tenantId, { id: stableId(`${tenantId}/device/${i}`), deviceId: stableId(`${tenantId}/device-id/${i}`), displayName: mobile ? `iPhone-${i}` : `LAPTOP-${String(i).padStart(5, '0')}`, operatingSystem: mobile ? 'iOS' : 'Windows', operatingSystemVersion: mobile ? '18.1' : '10.0.26100', accountEnabled: true });
  }
};
