/**
 * Microsoft Graph for one tenant, through the real libraries: MSAL (client credentials of the
 * one multi-tenant app) for tokens, the Graph client with its RetryHandler (429 and 503 with
 * `Retry-After`) for calls. Requests go out one at a time, which keeps a sync well inside
 * Graph's per-tenant budget. With `M365_FAKE_URL` (local stack, tests) the same calls reach
 * the fake: MSAL through `authorityMetadata`, Graph through a last middleware.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client, type Context, HTTPMessageHandler, type Middleware, RetryHandler, RetryHandlerOptions, AuthenticationHandler } from '@microsoft/microsoft-graph-client';
import { secret } from '../crypto/secrets';
import { ENV, optionalEnv, requireEnv } from '../env';

import { GRAPH_SCOPE } from './m365.consent-url';

const LOGIN = 'https://login.microsoftonline.com';

const apps = new Map<string, ConfidentialClientApplication>();

const appFor = async (tenantId: string): Promise<ConfidentialClientApplication> => {
  let app = apps.get(tenantId);
  if (!app) {
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

/** A Graph client acting as the app in `tenantId`. */
export const graphFor = (tenantId: string): Client => {
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

/** The page size a sync asks of a delta query (Graph's largest for directory objects). */
export const DELTA_PAGE_SIZE = 999;

/**
 * One page of a delta query. Delta queries ignore `$top`: the page size is asked with
 * `Prefer: odata.maxpagesize`, on every page (the next and delta links carry no page size).
 */
export const readDeltaPage = <T>(graph: Client, url: string): Promise<T> => graph.api(url).header('Prefer', `odata.maxpagesize=${DELTA_PAGE_SIZE}`).get() as Promise<T>;

/** Tests and the local stack switch apps between runs. */
export const resetGraphClients = (): void => apps.clear();
