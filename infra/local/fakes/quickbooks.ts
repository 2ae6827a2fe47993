/**
 * A fake QuickBooks Online for the local stack and the tests, speaking the shapes the real one
 * does to the real `intuit-oauth` client: the authorize page (redirects back with `code`,
 * `state`, `realmId`, or `error=access_denied`), the OAuth token endpoint (HTTP Basic client
 * auth; authorization_code and refresh_token grants; refresh tokens rotate and a reused one is
 * `invalid_grant`), and the v3 Customer API (read, query, create, full and sparse update, with
 * SyncToken checks: 5010 stale, 6240 duplicate name, 610 not found, open-balance refusal,
 * `requestid` replay), and the v3 Invoice API (create with SalesItemLineDetail lines, read, and
 * `select * from Invoice where DocNumber = '…'`; 6140 duplicate DocNumber, 2500 unknown
 * customer, 2050 DocNumber longer than 21). Limits as Intuit's, per realm: 10 requests in flight at once and 500 a
 * minute; past either, `429` with Intuit's ThrottleExceeded fault (code 3001) and no
 * `Retry-After` (Intuit documents none). A request is in flight for its service time
 * (`latencyMs`), so concurrent clients really do overlap. Helpers let tests seed customers, set balances, inject faults and read requests.
 * State lives in memory, or also in a file (`stateFile`) so `npm start` keeps it across restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../engines/util';

export interface FakeCustomer {
  Id: string;
  SyncToken: string;
  DisplayName: string;
  Active: boolean;
  Balance: number;
  [field: string]: unknown;
}

/** A QuickBooks invoice as the v3 API answers it (the fields this fake keeps). */
export interface FakeInvoice {
  Id: string;
  SyncToken: string;
  DocNumber: string;
  TxnDate: string;
  DueDate?: string;
  CustomerRef: { value: string; name?: string };
  CurrencyRef: { value: string; name?: string };
  Line: Record<string, unknown>[];
  TotalAmt: number;
  Balance: number;
  [field: string]: unknown;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** Epoch ms it arrived. */
  at: number;
}

export interface FakeQuickBooksOptions {
  port?: number;
  clientId: string;
  clientSecret: string;
  /** The company (realm) the authorize page connects. */
  realmId?: string;
  /** Seconds an access token lasts (Intuit: 3600). */
  accessTokenSeconds?: number;
  /**
   * Where the realm, its customers and the issued tokens are kept across restarts (`npm start`
   * keeps it in `.local/`, so QuickBooks stays connected and linked customers stay there).
   * Without it, everything lives in memory (tests).
   */
  stateFile?: string;
  /** How long the v3 API takes to answer, in ms (default 0). */
  latencyMs?: number;
  /** The clock of the per-minute limit (tests move it on instead of waiting a minute). */
  now?: () => number;
}

/** What a `stateFile` holds. */
interface SavedState {
  realmId: string;
  nextId: number;
  customers: FakeCustomer[];
  invoices?: FakeInvoice[];
  refreshTokens: [string, { current: boolean }][];
  accessTokens: [string, { expires: number }][];
  replays: [string, { status: number; body: unknown }][];
}

const readState = (file: string | undefined): SavedState | undefined => {
  if (!file || !existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SavedState;
  } catch {
    return undefined; // unreadable: start empty, as after `npm start -- --fresh`
  }
};

export interface FakeQuickBooks {
  url: string;
  realmId: string;
  /** Every v3 API and token request received, oldest first. */
  requests: ReceivedRequest[];
  customers: () => FakeCustomer[];
  customer: (id: string) => FakeCustomer | undefined;
  invoices: () => FakeInvoice[];
  seedCustomer: (c: Partial<FakeCustomer> & { DisplayName: string }) => FakeCustomer;
  setBalance: (id: string, balance: number) => void;
  /** The next API request (of this realm) answers 429 with `Retry-After`. */
  throttleOnce: (retryAfterSeconds?: number) => void;
  /** Sets how long the v3 API takes to answer. */
  setLatency: (ms: number) => void;
  /** The most v3 requests that were in flight at once (served, not refused) since the last `reset`. */
  peakInFlight: () => number;
  /** The next update of this customer answers 5010, as if someone else had just saved it. */
  staleOnce: (customerId: string) => void;
  /** Every access token issued so far stops working (401), as after an hour. */
  expireAccessTokens: () => void;
  /** Follows the authorize URL as a consenting (or refusing) user would; returns the redirect back. */
  authorize: (authorizeUrl: string, opts?: { deny?: boolean }) => Promise<string>;
  /** Whether a refresh token is the current one of its grant. */
  refreshTokenValid: (token: string) => boolean;
  reset: () => void;
  stop: () => Promise<void>;
}

const ACCESS_PATH = '/connect/oauth2';
export const FAKE_TOKEN_PATH = '/oauth2/v1/tokens/bearer';
export const FAKE_REVOKE_PATH = '/oauth2/v1/tokens/revoke';
export const FAKE_AUTHORIZE_PATH = ACCESS_PATH;

const PER_MINUTE = 500;
const CONCURRENT = 10;

const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;
const time = () => new Date().toISOString().replace('Z', '-00:00');

const fault = (code: string, message: string, detail: string, element = '', type = 'ValidationFault') => ({
  Fault: { Error: [{ Message: message, Detail: detail, code, element }], type },
  time: time(),
});

/** Intuit's 401 and 429 bodies use lower-case `fault`. */
const lowerFault = (code: string, message: string, detail: string, type: string) => ({ fault: { error: [{ message, detail, code }], type }, time: time() });

const FAULTS = {
  notFound: () => fault('610', 'Object Not Found', 'Object Not Found : Something you\'re trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.'),
  stale: () => fault('5010', 'Stale Object Error', 'Stale Object Error : You and another user were working on this at the same time. They finished before you did, so your work was not saved.'),
  duplicate: () => fault('6240', 'Duplicate Name Exists Error', 'The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.'),
  openBalance: () => fault('6000', 'A business validation error has occurred while processing your request', 'Business Validation Error: You can\'t make this customer inactive because it has an open balance. Settle the balance first.'),
  missing: (field: string) => fault('2020', 'Required param missing, need to supply the required value for the API', `Required parameter ${field} is missing in the request`, field),
  parse: (detail: string) => fault('4000', 'Error parsing query', `QueryParserError: ${detail}`),
  invalidReference: (what: string) => fault('2500', 'Invalid Reference Id', `Invalid Reference Id : ${what} assigned is not valid`, 'CustomerRef'),
  duplicateDocNumber: (doc: string) => fault('6140', 'Duplicate Document Number Error', `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${doc} is assigned to TxnType=Invoice with TxnId=`),
  tooLong: (field: string, max: number) => fault('2050', 'String length is either shorter or longer than supported by specification', `String length specified does not match the supported length. Min:0 Max:${max} supported. Supplied length:`, field),
  unsupported: (what: string) => fault('500', 'Unsupported Operation', `Operation ${what} is not supported.`),
  auth: () => lowerFault('3200', 'message=AuthenticationFailed; errorCode=003200; statusCode=401', 'Token expired or invalid', 'AUTHENTICATION'),
  throttled: () => lowerFault('3001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', 'The request limit was reached.', 'SERVICE'),
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One condition of a Customer query: `Field = 'x'`, `Field LIKE '%x%'`, `Field IN (a, b)`. */
interface Condition {
  field: string;
  op: '=' | 'LIKE' | 'IN';
  values: string[];
}

const literal = /'((?:\\'|[^'])*)'|(true|false|\d+(?:\.\d+)?)/gi;
const unquote = (m: RegExpExecArray) => (m[1] !== undefined ? m[1].replace(/\\'/g, "'") : m[2]!);

/** Splits a where clause on `AND` outside quoted strings. */
const splitAnd = (clause: string): string[] => {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < clause.length; i++) {
    const ch = clause[i]!;
    if (ch === "'" && clause[i - 1] !== '\\') quoted = !quoted;
    const m = quoted ? null : /^\s+and\s+/i.exec(clause.slice(i));
    if (m) {
      parts.push(current.trim());
      current = '';
      i += m[0].length - 1;
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
};

/** The subset of Intuit's query language this fake serves: `select * | count(*) from Customer | Invoice [where …] [startposition n] [maxresults n]`. */
const parseQuery = (q: string): { entity: 'Customer' | 'Invoice'; count: boolean; where: Condition[]; start: number; max: number } | string => {
  const m = /^\s*select\s+(\*|count\(\*\))\s+from\s+(customer|invoice)\b(.*)$/is.exec(q);
  if (!m) return `Encountered "${q.slice(0, 40)}": only "select * from Customer" and "select * from Invoice" are supported here`;
  const entity = m[2]!.toLowerCase() === 'invoice' ? 'Invoice' : 'Customer';
  let rest = m[3]!;
  let start = 1;
  let max = 100;
  const pos = /\s+startposition\s+(\d+)/i.exec(rest);
  if (pos) start = Number(pos[1]);
  const mr = /\s+maxresults\s+(\d+)/i.exec(rest);
  if (mr) max = Math.min(1000, Number(mr[1]));
  rest = rest.replace(/\s+(startposition|maxresults)\s+\d+/gi, '').replace(/\s+orderby\s+.*$/i, '').trim();
  const where: Condition[] = [];
  if (rest) {
    const w = /^where\s+(.*)$/is.exec(rest);
    if (!w) return `Encountered "${rest.slice(0, 40)}"`;
    for (const raw of splitAnd(w[1]!)) {
      const c = /^(\w+)\s*(=|like|in)\s*(.*)$/is.exec(raw);
      if (!c) return `Encountered "${raw.slice(0, 40)}"`;
      const values: string[] = [];
      const re = new RegExp(literal.source, 'gi');
      for (let v; (v = re.exec(c[3]!)); ) values.push(unquote(v));
      if (!values.length) return `Encountered "${raw.slice(0, 40)}"`;
      where.push({ field: c[1]!, op: c[2]!.toUpperCase() as Condition['op'], values });
    }
  }
  return { entity, count: m[1] !== '*', where, start, max };
};

const matches = (c: Record<string, unknown>, cond: Condition): boolean => {
  const field = Object.keys(c).find((k) => k.toLowerCase() === cond.field.toLowerCase());
  const value = String(field ? c[field] : '').toLowerCase();
  if (cond.op === 'LIKE') {
    const re = new RegExp(`^${cond.values[0]!.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*')}$`);
    return re.test(value);
  }
  return cond.values.some((v) => v.toLowerCase() === value);
};

const READ_ONLY = new Set(['Id', 'SyncToken', 'MetaData', 'Balance', 'BalanceWithJobs', 'FullyQualifiedName', 'domain', 'sparse']);

export const startFakeQuickBooks = async (opts: FakeQuickBooksOptions): Promise<FakeQuickBooks> => {
  const saved = readState(opts.stateFile);
  const realmId = saved?.realmId ?? opts.realmId ?? '9341452' + String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
  const accessSeconds = opts.accessTokenSeconds ?? 3600;

  let customers = new Map<string, FakeCustomer>((saved?.customers ?? []).map((c) => [c.Id, c]));
  let invoices = new Map<string, FakeInvoice>((saved?.invoices ?? []).map((i) => [i.Id, i]));
  let nextId = saved?.nextId ?? 1;
  const codes = new Map<string, { redirectUri: string; expires: number; used: boolean }>();
  const refreshTokens = new Map<string, { current: boolean }>(saved?.refreshTokens);
  const accessTokens = new Map<string, { expires: number }>(saved?.accessTokens);
  const replays = new Map<string, { status: number; body: unknown }>(saved?.replays);
  const save = (): void => {
    if (!opts.stateFile) return;
    const state: SavedState = { realmId, nextId, customers: [...customers.values()], invoices: [...invoices.values()], refreshTokens: [...refreshTokens], accessTokens: [...accessTokens], replays: [...replays] };
    writeFileSync(`${opts.stateFile}.tmp`, JSON.stringify(state));
    renameSync(`${opts.stateFile}.tmp`, opts.stateFile);
  };
  const requests: ReceivedRequest[] = [];
  const clock = opts.now ?? Date.now;
  let latency = opts.latencyMs ?? 0;
  /** Arrival times of the requests served in the last minute. */
  const recent: number[] = [];
  let inFlight = 0;
  let peak = 0;
  let throttle: number | undefined;
  const stale = new Set<string>();

  const issue = () => {
    const access = token('eyJfake.');
    const refresh = token('AB11');
    accessTokens.set(access, { expires: Date.now() + accessSeconds * 1000 });
    refreshTokens.set(refresh, { current: true });
    return { token_type: 'bearer', access_token: access, refresh_token: refresh, expires_in: accessSeconds, x_refresh_token_expires_in: 8_726_400 };
  };

  const newCustomer = (input: Record<string, unknown>): FakeCustomer => {
    const now = time();
    const id = String(nextId++);
    const displayName = String(input.DisplayName);
    return {
      domain: 'QBO',
      sparse: false,
      Taxable: false,
      Job: false,
      BillWithParent: false,
      Balance: 0,
      BalanceWithJobs: 0,
      CurrencyRef: { value: 'USD', name: 'United States Dollar' },
      PreferredDeliveryMethod: 'Print',
      PrintOnCheckName: displayName,
      ...Object.fromEntries(Object.entries(input).filter(([k]) => !READ_ONLY.has(k))),
      Id: id,
      SyncToken: '0',
      DisplayName: displayName,
      FullyQualifiedName: displayName,
      Active: input.Active === undefined ? true : Boolean(input.Active),
      MetaData: { CreateTime: now, LastUpdatedTime: now },
    } as FakeCustomer;
  };

  const nameTaken = (name: string, exceptId?: string) =>
    [...customers.values()].some((c) => c.Id !== exceptId && c.DisplayName.trim().toLowerCase() === name.trim().toLowerCase());

  type Answer = { status: number; body: unknown; headers?: Record<string, string> };

  const tokenEndpoint = (req: IncomingMessage, raw: string): Answer => {
    const auth = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const [id, secret] = auth ? Buffer.from(auth[1]!, 'base64').toString('utf8').split(':') : [];
    if (id !== opts.clientId || secret !== opts.clientSecret) return { status: 401, body: { error: 'invalid_client' } };
    const form = new URLSearchParams(raw);
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      if (!code || code.used || code.expires < Date.now() || code.redirectUri !== form.get('redirect_uri')) return { status: 400, body: { error: 'invalid_grant' } };
      code.used = true;
      return { status: 200, body: issue() };
    }
    if (grant === 'refresh_token') {
      const current = refreshTokens.get(form.get('refresh_token') ?? '');
      if (!current?.current) return { status: 400, body: { error: 'invalid_grant' } };
      current.current = false; // rotated: the old one is spent
      return { status: 200, body: issue() };
    }
    return { status: 400, body: { error: 'unsupported_grant_type' } };
  };

  const customerApi = (method: string, rest: string[], query: URLSearchParams, body: unknown): Answer => {
    const [entity, id] = rest;
    if (entity === 'query' && method === 'GET') {
      const parsed = parseQuery(query.get('query') ?? '');
      if (typeof parsed === 'string') return { status: 400, body: FAULTS.parse(parsed) };
      if (parsed.entity === 'Invoice') {
        // Transactions are not name-list objects: no implicit Active filter.
        const all = [...invoices.values()].filter((i) => parsed.where.every((cond) => matches(i, cond)));
        if (parsed.count) return { status: 200, body: { QueryResponse: { totalCount: all.length }, time: time() } };
        const page = all.slice(parsed.start - 1, parsed.start - 1 + parsed.max);
        return { status: 200, body: { QueryResponse: page.length ? { Invoice: page, startPosition: parsed.start, maxResults: page.length } : {}, time: time() } };
      }
      // Name-list queries return active objects only unless the query names Active.
      const conds = parsed.where.some((c) => c.field.toLowerCase() === 'active') ? parsed.where : [...parsed.where, { field: 'Active', op: '=' as const, values: ['true'] }];
      const all = [...customers.values()].filter((c) => conds.every((cond) => matches(c, cond)));
      if (parsed.count) return { status: 200, body: { QueryResponse: { totalCount: all.length }, time: time() } };
      const page = all.slice(parsed.start - 1, parsed.start - 1 + parsed.max);
      return { status: 200, body: { QueryResponse: page.length ? { Customer: page, startPosition: parsed.start, maxResults: page.length } : {}, time: time() } };
    }
    if (entity === 'invoice') return invoiceApi(method, id, body);
    if (entity !== 'customer') return { status: 400, body: FAULTS.unsupported(`${method} ${entity ?? ''}`) };
    if (method === 'GET' && id) {
      const c = customers.get(id);
      return c ? { status: 200, body: { Customer: c, time: time() } } : { status: 400, body: FAULTS.notFound() };
    }
    if (method !== 'POST' || id) return { status: 400, body: FAULTS.unsupported(`${method} customer`) };
    const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (input.Id === undefined) {
      const name = typeof input.DisplayName === 'string' ? input.DisplayName.trim() : '';
      if (!name) return { status: 400, body: FAULTS.missing('DisplayName') };
      if (nameTaken(name)) return { status: 400, body: FAULTS.duplicate() };
      const c = newCustomer({ ...input, DisplayName: name });
      customers.set(c.Id, c);
      return { status: 200, body: { Customer: c, time: time() } };
    }
    const existing = customers.get(String(input.Id));
    if (!existing) return { status: 400, body: FAULTS.notFound() };
    if (input.SyncToken === undefined) return { status: 400, body: FAULTS.missing('SyncToken') };
    if (stale.delete(existing.Id)) {
      // Someone else saved it just before us.
      existing.SyncToken = String(Number(existing.SyncToken) + 1);
      return { status: 400, body: FAULTS.stale() };
    }
    if (String(input.SyncToken) !== existing.SyncToken) return { status: 400, body: FAULTS.stale() };
    const changes = Object.fromEntries(Object.entries(input).filter(([k]) => !READ_ONLY.has(k)));
    if (typeof changes.DisplayName === 'string' && nameTaken(changes.DisplayName, existing.Id)) return { status: 400, body: FAULTS.duplicate() };
    if (changes.Active === false && existing.Active && existing.Balance !== 0) return { status: 400, body: FAULTS.openBalance() };
    const base = input.sparse === true ? existing : (Object.fromEntries(Object.entries(existing).filter(([k]) => READ_ONLY.has(k) || k === 'DisplayName' || k === 'Active')) as FakeCustomer);
    const updated: FakeCustomer = {
      ...base,
      ...changes,
      Id: existing.Id,
      SyncToken: String(Number(existing.SyncToken) + 1),
      MetaData: { ...(existing.MetaData as object), LastUpdatedTime: time() },
    } as FakeCustomer;
    updated.FullyQualifiedName = updated.DisplayName;
    customers.set(existing.Id, updated);
    return { status: 200, body: { Customer: updated, time: time() } };
  };

  /** Invoice read and create (QuickBooks computes Amount-based TotalAmt and Balance; lines are SalesItemLineDetail). */
  const invoiceApi = (method: string, id: string | undefined, body: unknown): Answer => {
    if (method === 'GET' && id) {
      const i = invoices.get(id);
      return i ? { status: 200, body: { Invoice: i, time: time() } } : { status: 400, body: FAULTS.notFound() };
    }
    if (method !== 'POST' || id) return { status: 400, body: FAULTS.unsupported(`${method} invoice`) };
    const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (input.Id !== undefined) return { status: 400, body: FAULTS.unsupported('invoice update') };
    const ref = input.CustomerRef as { value?: unknown } | undefined;
    if (!ref?.value) return { status: 400, body: FAULTS.missing('CustomerRef') };
    const customer = customers.get(String(ref.value));
    if (!customer) return { status: 400, body: FAULTS.invalidReference(`Customer Id=${String(ref.value)}`) };
    const lines = Array.isArray(input.Line) ? (input.Line as Record<string, unknown>[]) : [];
    if (!lines.length) return { status: 400, body: FAULTS.missing('Line') };
    for (const l of lines) {
      if (l.DetailType !== 'SalesItemLineDetail' && l.DetailType !== 'DescriptionOnly') return { status: 400, body: FAULTS.missing('Line.DetailType') };
      if (l.DetailType === 'SalesItemLineDetail' && typeof l.Amount !== 'number') return { status: 400, body: FAULTS.missing('Line.Amount') };
    }
    const doc = input.DocNumber === undefined ? String(1000 + invoices.size + 1) : String(input.DocNumber);
    if (doc.length > 21) return { status: 400, body: FAULTS.tooLong('DocNumber', 21) };
    if ([...invoices.values()].some((i) => i.DocNumber === doc)) return { status: 400, body: FAULTS.duplicateDocNumber(doc) };
    const sales = lines.filter((l) => l.DetailType === 'SalesItemLineDetail');
    // In cents, as QuickBooks' own sums are exact to the cent.
    const totalCents = sales.reduce((s, l) => s + Math.round(Number(l.Amount) * 100), 0);
    const now = time();
    const invoice: FakeInvoice = {
      AllowIPNPayment: false,
      AllowOnlinePayment: false,
      domain: 'QBO',
      sparse: false,
      ...Object.fromEntries(Object.entries(input).filter(([k]) => !['Id', 'SyncToken', 'MetaData', 'TotalAmt', 'Balance', 'domain', 'sparse'].includes(k))),
      Id: String(nextId++),
      SyncToken: '0',
      DocNumber: doc,
      TxnDate: typeof input.TxnDate === 'string' ? input.TxnDate : new Date().toISOString().slice(0, 10),
      CustomerRef: { value: customer.Id, name: customer.DisplayName },
      CurrencyRef: (input.CurrencyRef as FakeInvoice['CurrencyRef'] | undefined) ?? { value: 'USD', name: 'United States Dollar' },
      Line: [
        ...lines.map((l, n) => ({ ...l, Id: String(n + 1), LineNum: n + 1 })),
        { Amount: totalCents / 100, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} },
      ],
      TotalAmt: totalCents / 100,
      Balance: totalCents / 100,
      MetaData: { CreateTime: now, LastUpdatedTime: now },
    };
    invoices.set(invoice.Id, invoice);
    customer.Balance = Math.round((customer.Balance + invoice.Balance) * 100) / 100;
    customer.BalanceWithJobs = customer.Balance;
    return { status: 200, body: { Invoice: invoice, time: time() } };
  };

  const apiRequest = async (req: IncomingMessage, url: URL, raw: string): Promise<Answer> => {
    const m = /^\/v3\/company\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m || m[1] !== realmId) return { status: 401, body: FAULTS.auth() };
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const access = accessTokens.get(bearer);
    if (!access || access.expires < Date.now()) return { status: 401, body: FAULTS.auth() };

    const now = clock();
    while (recent.length && recent[0]! <= now - 60_000) recent.shift();
    if (throttle !== undefined) {
      const after = throttle;
      throttle = undefined;
      return { status: 429, body: FAULTS.throttled(), headers: { 'retry-after': String(after) } };
    }
    if (recent.length >= PER_MINUTE || inFlight >= CONCURRENT) return { status: 429, body: FAULTS.throttled() };
    recent.push(now);
    inFlight++;
    peak = Math.max(peak, inFlight);
    try {
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      return serve(req, url, raw, m[2]!);
    } finally {
      inFlight--;
    }
  };

  const serve = (req: IncomingMessage, url: URL, raw: string, path: string): Answer => {
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return { status: 400, body: fault('2500', 'Request has invalid or unsupported property', 'The request body is not valid JSON') };
    }
    const requestId = url.searchParams.get('requestid');
    const replayKey = requestId ? `${req.method} ${path} ${requestId}` : undefined;
    const replay = replayKey ? replays.get(replayKey) : undefined;
    if (replay) return replay;
    const answer = customerApi(req.method ?? 'GET', path.split('/'), url.searchParams, body);
    if (replayKey) replays.set(replayKey, answer);
    return answer;
  };

  const authorizePage = (url: URL, res: ServerResponse) => {
    const p = url.searchParams;
    const redirectUri = p.get('redirect_uri');
    if (p.get('client_id') !== opts.clientId || !redirectUri || p.get('response_type') !== 'code') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_request: unknown client_id, or no redirect_uri');
      return;
    }
    const back = new URL(redirectUri);
    if (url.pathname.endsWith('/approve')) {
      const code = token('AB11code');
      codes.set(code, { redirectUri, expires: Date.now() + 5 * 60_000, used: false });
      back.search = new URLSearchParams({ code, state: p.get('state') ?? '', realmId }).toString();
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname.endsWith('/deny')) {
      back.search = new URLSearchParams({ error: 'access_denied', state: p.get('state') ?? '' }).toString();
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    const qs = html(p.toString());
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
      `<!doctype html><html><head><meta charset="utf-8"><title>Fake Intuit: connect</title></head><body>` +
        `<h1>Connect to QuickBooks (fake)</h1><p>Company (realm) ${html(realmId)}, scope ${html(p.get('scope') ?? '')}.</p>` +
        `<p><a href="${ACCESS_PATH}/approve?${qs}">Connect</a> · <a href="${ACCESS_PATH}/deny?${qs}">Cancel</a></p></body></html>`,
    );
  };

  const server = createServer((req, res) => {
    void (async () => {
      const at = Date.now();
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = await readBody(req);
      if (req.method === 'GET' && url.pathname.startsWith(ACCESS_PATH)) return authorizePage(url, res);
      let answer: Answer;
      if (req.method === 'POST' && url.pathname === FAKE_TOKEN_PATH) answer = tokenEndpoint(req, raw);
      else if (req.method === 'POST' && url.pathname === FAKE_REVOKE_PATH) answer = { status: 200, body: {} };
      else if (url.pathname.startsWith('/v3/')) answer = await apiRequest(req, url, raw);
      else answer = { status: 404, body: { error: 'not_found' } };
      let parsedBody: unknown = raw;
      try {
        parsedBody = url.pathname === FAKE_TOKEN_PATH ? Object.fromEntries(new URLSearchParams(raw)) : raw ? JSON.parse(raw) : undefined;
      } catch {
        // keep the raw text
      }
      if (req.method === 'POST') save(); // tokens issued or spent, customers created or changed
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body: parsedBody, status: answer.status, at });
      if (requests.length > 5000) requests.splice(0, requests.length - 5000); // a long npm start
      res.writeHead(answer.status, { 'content-type': 'application/json;charset=UTF-8', intuit_tid: token('tid-'), ...answer.headers }).end(JSON.stringify(answer.body));
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    realmId,
    requests,
    customers: () => [...customers.values()],
    customer: (id) => customers.get(id),
    invoices: () => [...invoices.values()],
    seedCustomer: (input) => {
      const c = newCustomer(input);
      if (input.Balance !== undefined) c.Balance = c.BalanceWithJobs = input.Balance;
      customers.set(c.Id, c);
      save();
      return c;
    },
    setBalance: (id, balance) => {
      const c = customers.get(id);
      if (!c) throw new Error(`No fake customer ${id}`);
      c.Balance = balance;
      c.BalanceWithJobs = balance;
      save();
    },
    throttleOnce: (seconds = 1) => {
      throttle = seconds;
    },
    setLatency: (ms) => {
      latency = ms;
    },
    peakInFlight: () => peak,
    staleOnce: (id) => {
      stale.add(id);
    },
    expireAccessTokens: () => {
      for (const t of accessTokens.values()) t.expires = 0;
    },
    authorize: async (authorizeUrl, o = {}) => {
      const u = new URL(authorizeUrl);
      const res = await fetch(`${url}${ACCESS_PATH}/${o.deny ? 'deny' : 'approve'}${u.search}`, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) throw new Error(`Fake authorize refused: ${res.status} ${await res.text()}`);
      return location;
    },
    refreshTokenValid: (t) => refreshTokens.get(t)?.current === true,
    reset: () => {
      customers = new Map();
      invoices = new Map();
      nextId = 1;
      requests.length = 0;
      replays.clear();
      stale.clear();
      throttle = undefined;
      peak = 0;
      save();
    },
    stop: () => closeServer(server),
  };
};
