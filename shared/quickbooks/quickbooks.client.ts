/**
 * QuickBooks Online through Intuit's `intuit-oauth` client: the app's OAuth client, the stored
 * connection's access token (refreshed when near expiry; every rotated refresh token stored
 * atomically), v3 API calls with faults parsed, and 429 (Intuit's 10 concurrent requests and
 * 500 requests a minute per realm) handled by waiting, `Retry-After` when Intuit sends one,
 * else a jittered exponential backoff, while the caller's deadline allows. Tokens never reach
 * logs or errors.
 *
 * `intuit-oauth` (with axios, ~150 KB) loads on the first OAuth client made, once per
 * container, not at cold start (test/infra/bundles.test.ts checks that no function reads it at init).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type OAuthClient from 'intuit-oauth';
import { backoffDelay, retryPolicies, type RetryPolicy } from '../db/retry';
import { retryOnStaleRead } from '../db/optimistic';
import { secret } from '../crypto/secrets';
import { ENV, optionalEnv, requireEnv } from '../env';
import { logger } from '../logger';
import { getConnection, saveRefreshedTokens, type Connection } from './quickbooks.repository';
import { qbCustomer, qbInvoice, type QbCustomer, type QbInvoice, type QbInvoiceInput, type StoredTokens } from './quickbooks.schema';

export const MINOR_VERSION = 75;

/** QuickBooks refused the request: its fault code, message and detail. */
export class QuickBooksFault extends Error {
  constructor(
    readonly code: string,
    readonly qbMessage: string,
    readonly detail: string,
  ) {
    super(`QuickBooks fault ${code}: ${qbMessage}`);
    this.name = 'QuickBooksFault';
  }

  /** QuickBooks' own words, for `lastError` and problem details. */
  get reason(): string {
    return this.detail || this.qbMessage;
  }
}

/** Rate-limited (429) longer than the deadline allows waiting. */
export class QuickBooksThrottled extends Error {
  constructor(readonly retryAfterMs: number) {
    super('QuickBooks rate limit');
    this.name = 'QuickBooksThrottled';
  }
}

export class QuickBooksNotConnected extends Error {
  constructor() {
    super('QuickBooks is not connected.');
    this.name = 'QuickBooksNotConnected';
  }
}

/** The refresh token was refused (revoked, expired, or spent): an admin must connect again. */
export class QuickBooksAuthorizationLost extends Error {
  constructor() {
    super('QuickBooks refused the stored authorization; connect QuickBooks again.');
    this.name = 'QuickBooksAuthorizationLost';
  }
}

type OAuthClientClass = typeof OAuthClient;

/** The package's class and its own endpoints, read when it first loads. */
let loaded: Promise<{ OAuthClient: OAuthClientClass; defaults: { token: string; revoke: string; sandbox: string; production: string } }> | undefined;
const loadOAuthClient = () =>
  (loaded ??= import('intuit-oauth').then(({ default: OAuthClient }) => ({
    OAuthClient,
    defaults: { token: OAuthClient.tokenEndpoint, revoke: OAuthClient.revokeEndpoint, sandbox: OAuthClient.environment.sandbox, production: OAuthClient.environment.production },
  })));

// The package's endpoints are static, process-wide: point them at the fake when one is configured.
const configureEndpoints = async (): Promise<OAuthClientClass> => {
  const { OAuthClient, defaults: DEFAULTS } = await loadOAuthClient();
  const fake = optionalEnv(ENV.QUICKBOOKS_FAKE_URL)?.replace(/\/$/, '');
  OAuthClient.tokenEndpoint = fake ? `${fake}/oauth2/v1/tokens/bearer` : DEFAULTS.token;
  OAuthClient.revokeEndpoint = fake ? `${fake}/oauth2/v1/tokens/revoke` : DEFAULTS.revoke;
  OAuthClient.environment.sandbox = fake ? `${fake}/` : DEFAULTS.sandbox;
  OAuthClient.environment.production = fake ? `${fake}/` : DEFAULTS.production;
  return OAuthClient;
};

/** The app's OAuth client (no tokens). */
export const oauthClient = async (): Promise<OAuthClient> => {
  const OAuthClient = await configureEndpoints();
  return new OAuthClient({
    clientId: requireEnv(ENV.QUICKBOOKS_CLIENT_ID),
    clientSecret: await secret(ENV.QUICKBOOKS_CLIENT_SECRET, ENV.QUICKBOOKS_CLIENT_SECRET_ARN),
    environment: optionalEnv(ENV.QUICKBOOKS_ENVIRONMENT) === 'production' ? 'production' : 'sandbox',
    redirectUri: requireEnv(ENV.QUICKBOOKS_REDIRECT_URI),
  });
};

/** The token set of a token-endpoint answer (the client's own token after createToken or refresh). */
export const tokensFrom = (t: { access_token: string; refresh_token: string; expires_in: number; x_refresh_token_expires_in: number }, now = Date.now()): StoredTokens => ({
  accessToken: t.access_token,
  refreshToken: t.refresh_token,
  accessExpiresAt: now + Number(t.expires_in) * 1000,
  refreshExpiresAt: now + Number(t.x_refresh_token_expires_in) * 1000,
});

/** The token endpoint's OAuth error (`invalid_grant`, …) from intuit-oauth's wrapped error. */
export const oauthErrorCode = (err: unknown): string | undefined => {
  const e = err as { error?: unknown; authResponse?: { response?: { status?: number } } };
  return typeof e?.error === 'string' && e.error ? e.error : undefined;
};

/**
 * Refreshes `read`'s tokens and stores the rotated set at `read.version`. If the refresh token
 * was already spent (another process refreshed at the same moment), the other process's
 * stored set is used once it appears; if a newer set was stored meanwhile, that one wins.
 */
export const refreshStored = async (read: Connection): Promise<Connection> => {
  const client = await oauthClient();
  try {
    await client.refreshUsingToken(read.tokens.refreshToken);
  } catch (err) {
    if (oauthErrorCode(err) !== 'invalid_grant') throw new Error(`QuickBooks token refresh failed (${oauthErrorCode(err) ?? 'no answer'})`);
    for (let i = 0; i < 6; i++) {
      const latest = await getConnection(true);
      if (!latest) throw new QuickBooksNotConnected();
      if (latest.version !== read.version) return latest;
      await sleep(50 * 2 ** i);
    }
    throw new QuickBooksAuthorizationLost();
  }
  const tokens = tokensFrom(client.getToken());
  const saved = await saveRefreshedTokens(read, tokens);
  if (saved) return saved;
  logger.info('QuickBooks tokens were replaced while refreshing; using the stored ones');
  const latest = await getConnection(true);
  if (!latest) throw new QuickBooksNotConnected();
  return latest;
};

// One refresh at a time per container and version: parallel records share it.
const refreshing = new Map<number, Promise<Connection>>();
const refreshShared = (read: Connection): Promise<Connection> => {
  let p = refreshing.get(read.version);
  if (!p) {
    p = refreshStored(read).finally(() => refreshing.delete(read.version));
    refreshing.set(read.version, p);
  }
  return p;
};

/** Refresh this long before the access token expires. */
const EARLY_MS = 5 * 60_000;
/** Keep this much of the deadline for what follows the call. */
const RESERVE_MS = 2_000;
const MAX_ATTEMPTS = 5;
/** Tries at a throttled call (the deadline usually ends them first). */
const THROTTLE_BACKOFF: RetryPolicy = { attempts: 10, baseMs: 250, capMs: 8_000, jitter: 'equal' };
const THROTTLED_ATTEMPTS = THROTTLE_BACKOFF.attempts;

interface Interceptable {
  axiosInstance: { interceptors: { response: { use: (fn: (r: { status: number; headers: Record<string, unknown> }) => unknown) => number } } };
}

const retryAfterMs = (value: unknown): number | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(String(value));
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
};

/** The wait before retrying a 429: Intuit's `Retry-After` when it sent one, else a jittered exponential backoff. */
export const throttledWaitMs = (attempt: number, retryAfter?: unknown): number => retryAfterMs(retryAfter) ?? backoffDelay(THROTTLE_BACKOFF, attempt - 1);

/** A session on the connected QuickBooks company, until `deadline` (epoch ms). */
export class QuickBooksClient {
  private constructor(
    private connection: Connection,
    private readonly deadline: number,
  ) {}

  static async open(deadline: number): Promise<QuickBooksClient> {
    const connection = await getConnection(true);
    if (!connection) throw new QuickBooksNotConnected();
    return new QuickBooksClient(connection, deadline);
  }

  get realmId(): string {
    return this.connection.realmId;
  }

  private async accessToken(): Promise<string> {
    if (this.connection.tokens.accessExpiresAt - EARLY_MS < Date.now()) this.connection = await refreshShared(this.connection);
    return this.connection.tokens.accessToken;
  }

  /** One v3 call (`path` after `/v3/company/<realm>/`): JSON back, or a typed error. */
  async request<T = unknown>(method: 'GET' | 'POST', path: string, opts: { query?: Record<string, string>; body?: unknown } = {}): Promise<T> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const accessToken = await this.accessToken();
      const client = await oauthClient();
      client.setToken({ token_type: 'bearer', access_token: accessToken, refresh_token: '', realmId: this.realmId, expires_in: Math.floor((this.connection.tokens.accessExpiresAt - Date.now()) / 1000) });
      let retryAfter: unknown;
      (client as unknown as Interceptable).axiosInstance.interceptors.response.use((r) => {
        if (r.status === 429) retryAfter = r.headers['retry-after'];
        return r;
      });
      const timeout = Math.max(1000, Math.min(15_000, this.deadline - Date.now() - RESERVE_MS));
      try {
        const res = await client.makeApiCall({
          url: `v3/company/${encodeURIComponent(this.realmId)}/${path}`,
          method,
          params: { ...opts.query, minorversion: String(MINOR_VERSION) },
          body: opts.body as Record<string, unknown> | undefined,
          timeout,
        });
        return res.json as T;
      } catch (err) {
        const e = err as { code?: string; fault?: { errors?: { code?: string; message?: string; detail?: string }[] } };
        if (e.code === 'RATE_LIMIT_EXCEEDED' || e.code === '429') {
          const wait = throttledWaitMs(attempt, retryAfter);
          if (attempt < THROTTLED_ATTEMPTS && Date.now() + wait + RESERVE_MS < this.deadline) {
            logger.info('QuickBooks rate limit: waiting', { waitMs: wait, attempt });
            await sleep(wait);
            continue;
          }
          throw new QuickBooksThrottled(wait);
        }
        const first = e.fault?.errors?.[0];
        if (first) throw new QuickBooksFault(String(first.code ?? ''), first.message ?? '', first.detail ?? '');
        // Revoked or expired early: refresh once and try again.
        if (e.code === '401' && !refreshed) {
          refreshed = true;
          this.connection = await refreshShared(this.connection);
          continue;
        }
        throw err;
      }
    }
  }

  async readCustomer(id: string): Promise<QbCustomer> {
    const out = await this.request<{ Customer: unknown }>('GET', `customer/${encodeURIComponent(id)}`);
    return qbCustomer.parse(out.Customer);
  }

  /** Creates a customer; `requestId` makes a retried create return the first one instead of a duplicate. */
  async createCustomer(displayName: string, requestId: string): Promise<QbCustomer> {
    const out = await this.request<{ Customer: unknown }>('POST', 'customer', { query: { requestid: requestId }, body: { DisplayName: displayName, CompanyName: displayName } });
    return qbCustomer.parse(out.Customer);
  }

  /** The invoice with this DocNumber, if QuickBooks has one (e.g. made by an attempt that crashed before recording it). */
  async findInvoiceByDocNumber(docNumber: string): Promise<QbInvoice | undefined> {
    // Intuit's query language: a string literal in single quotes, a quote inside escaped with a backslash.
    const literal = docNumber.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    const out = await this.request<{ QueryResponse?: { Invoice?: unknown[] } }>('GET', 'query', { query: { query: `select * from Invoice where DocNumber = '${literal}'` } });
    const first = out.QueryResponse?.Invoice?.[0];
    return first === undefined ? undefined : qbInvoice.parse(first);
  }

  /** Creates an invoice; `requestId` makes a retried create return the first one instead of a duplicate. */
  async createInvoice(input: QbInvoiceInput, requestId: string): Promise<QbInvoice> {
    const out = await this.request<{ Invoice: unknown }>('POST', 'invoice', { query: { requestid: requestId }, body: input });
    return qbInvoice.parse(out.Invoice);
  }

  /** Sets `Active` by a sparse update with the current SyncToken; a stale one (5010) is read again and retried. */
  setCustomerActive(id: string, active: boolean): Promise<QbCustomer> {
    return retryOnStaleRead(
      async () => {
        const current = await this.readCustomer(id);
        if ((current.Active ?? true) === active) return current;
        const out = await this.request<{ Customer: unknown }>('POST', 'customer', { body: { Id: current.Id, SyncToken: current.SyncToken, sparse: true, Active: active } });
        return qbCustomer.parse(out.Customer);
      },
      {
        policy: { ...retryPolicies.staleRead, attempts: MAX_ATTEMPTS },
        isStale: (err) => err instanceof QuickBooksFault && err.code === '5010',
        // Still stale after every attempt: QuickBooks' own fault, for the worker to record.
        onExhausted: (err) => {
          throw err;
        },
      },
    );
  }
}
