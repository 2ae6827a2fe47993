/**
 * Microsoft Graph for one tenant, through the real libraries: MSAL (client credentials of the
 * one multi-tenant app) for tokens, the Graph client with its RetryHandler (429 and 503 with
 * `Retry-After`) for calls. Requests go out one at a time, which keeps a sync well inside
 * Graph's per-tenant budget. With `M365_FAKE_URL` (local stack, tests) the same calls reach
 * the fake: MSAL through `authorityMetadata`, Graph through a last middleware.
 *
 * Both libraries (~200 KB) load on a tenant's first Graph request, once per container, not at
 * cold start: `graphFor` returns a handle, and the handle imports them when it first builds its
 * client (test/infra/bundles.test.ts checks that no function reads them at init).
 */
import type { ConfidentialClientApplication } from '@azure/msal-node';
import type { Client, Context, GraphError as GraphErrorClass, Middleware } from '@microsoft/microsoft-graph-client';
import { secret } from '../crypto/secrets';
import { ENV, optionalEnv, requireEnv } from '../env';

import { GRAPH_SCOPE } from './m365.consent-url';

const LOGIN = 'https://login.microsoftonline.com';

type GraphLibrary = typeof import('@microsoft/microsoft-graph-client');
/** The Graph client library, once a handle has loaded it. */
let graphLibrary: GraphLibrary | undefined;
const loadGraph = async (): Promise<GraphLibrary> => (graphLibrary ??= await import('@microsoft/microsoft-graph-client'));

/**
 * `err instanceof GraphError`: the Graph client's error class, matched without loading the
 * library at init. Only a loaded library throws one, so before it loads nothing matches.
 */
export const GraphError = {
  [Symbol.hasInstance]: (err: unknown): err is GraphErrorClass => graphLibrary !== undefined && err instanceof graphLibrary.GraphError,
};

const apps = new Map<string, ConfidentialClientApplication>();

const appFor = async (tenantId: string): Promise<ConfidentialClientApplication> => {
  let app = apps.get(tenantId);
  if (!app) {
    const { ConfidentialClientApplication } = await import('@azure/msal-node');
    const fake = optionalEnv(ENV.M365_FAKE_URL);
    const authority = `${LOGIN}/${tenantId}`;
    app = new ConfidentialClientApplication({
      auth: {
        clientId: requireEnv(ENV.M365_CLIENT_ID),
        clientSecret: await secret(ENV.M365_CLIENT_SECRET, ENV.M365_CLIENT_SECRET_ARN),
        authority,
        ...(fake
          ? {
              authorityMetadata: JSON.stringify({
                token_endpoint: `${fake}/${tenantId}/oauth2/v2.0/token`,
                authorization_endpoint: `${fake}/${tenantId}/oauth2/v2.0/authorize`,
                end_session_endpoint: `${fake}/${tenantId}/oauth2/v2.0/logout`,
                issuer: `${LOGIN}/${tenantId}/v2.0`,
                jwks_uri: `${fake}/${tenantId}/discovery/v2.0/keys`,
                response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
              }),
              cloudDiscoveryMetadata: JSON.stringify({
                tenant_discovery_endpoint: `${LOGIN}/${tenantId}/v2.0/.well-known/openid-configuration`,
                'api-version': '1.1',
                metadata: [{ preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net'] }],
              }),
            }
          : {}),
      },
    });
    apps.set(tenantId, app);
  }
  return app;
};

/** Sends Graph's requests to the fake instead of graph.microsoft.com (local stack and tests only). */
class RedirectToFake implements Middleware {
  private next?: Middleware;
  constructor(private readonly base: string) {}
  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const rewritten = url.replace(/^https:\/\/graph\.microsoft\.com/, this.base);
    context.request = typeof context.request === 'string' ? rewritten : new Request(rewritten, context.request);
    return this.next!.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** A Graph client acting as the app in `tenantId` (the libraries loaded). */
const buildClient = async (tenantId: string): Promise<Client> => {
  const { AuthenticationHandler, Client, HTTPMessageHandler, RetryHandler, RetryHandlerOptions } = await loadGraph();
  const auth = new AuthenticationHandler({
    getAccessToken: async () => {
      const result = await (await appFor(tenantId)).acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
      if (!result?.accessToken) throw new Error(`No Graph token for tenant ${tenantId}`);
      return result.accessToken;
    },
  });
  const retry = new RetryHandler(new RetryHandlerOptions(2, 10));
  const http = new HTTPMessageHandler();
  const fake = optionalEnv(ENV.M365_FAKE_URL);
  auth.setNext(retry);
  if (fake) {
    const redirect = new RedirectToFake(fake);
    retry.setNext(redirect);
    redirect.setNext(http);
  } else retry.setNext(http);
  return Client.initWithMiddleware({ middleware: auth });
};

/** Graph acting as the app in one tenant: its client (and the libraries) made on first use. */
export class TenantGraph {
  private made?: Promise<Client>;
  constructor(readonly tenantId: string) {}

  /** The Graph client, loading MSAL and the Graph client library on the first call. */
  client(): Promise<Client> {
    return (this.made ??= buildClient(this.tenantId).catch((err: unknown) => {
      this.made = undefined;
      throw err;
    }));
  }

  /** GET a Graph URL (relative to v1.0, or a next/delta link). */
  async get<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
    let request = (await this.client()).api(url);
    for (const [name, value] of Object.entries(headers)) request = request.header(name, value);
    return request.get() as Promise<T>;
  }
}

/** Graph acting as the app in `tenantId`. */
export const graphFor = (tenantId: string): TenantGraph => new TenantGraph(tenantId);

/** The page size a sync asks of a delta query (Graph's largest for directory objects). */
export const DELTA_PAGE_SIZE = 999;

/**
 * One page of a delta query. Delta queries ignore `$top`: the page size is asked with
 * `Prefer: odata.maxpagesize`, on every page (the next and delta links carry no page size).
 */
export const readDeltaPage = <T>(graph: TenantGraph, url: string): Promise<T> => graph.get<T>(url, { Prefer: `odata.maxpagesize=${DELTA_PAGE_SIZE}` });

/** Tests and the local stack switch apps between runs. */
export const resetGraphClients = (): void => apps.clear();
