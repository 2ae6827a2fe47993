/**
 * Connecting QuickBooks, step one: Intuit's authorize URL with a signed, expiring state. Kept
 * apart from the `intuit-oauth` client (as `m365.consent-url.ts` is from MSAL) so the function
 * that only answers this URL does not bundle and load the client's HTTP and logging stack
 * (650 KB → 150 KB). The URL is the one `OAuthClient#authorizeUri` builds; a test holds them equal.
 */
import { randomBytes } from 'node:crypto';
import { sign } from '../crypto/signing';
import { ENV, optionalEnv, requireEnv } from '../env';
import type { Caller } from '../http/caller';

/** Intuit's authorize endpoint (intuit-oauth's `OAuthClient.authorizeEndpoint`). */
export const AUTHORIZE_ENDPOINT = 'https://appcenter.intuit.com/connect/oauth2';
/** The accounting scope (intuit-oauth's `OAuthClient.scopes.Accounting`). */
export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

export const STATE_PURPOSE = 'quickbooks-oauth-state';
/** How long the authorize step may take. */
export const STATE_TTL_MS = 10 * 60_000;

/** The authorize endpoint: Intuit's, or the fake's when one is configured. */
export const authorizeEndpoint = (): string => {
  const fake = optionalEnv(ENV.QUICKBOOKS_FAKE_URL)?.replace(/\/$/, '');
  return fake ? `${fake}/connect/oauth2` : AUTHORIZE_ENDPOINT;
};

export const connectUrl = async (caller: Caller): Promise<string> => {
  const state = await sign(STATE_PURPOSE, { sub: caller.sub, email: caller.email ?? null, exp: Date.now() + STATE_TTL_MS, nonce: randomBytes(12).toString('base64url') });
  const params = new URLSearchParams({ response_type: 'code', redirect_uri: requireEnv(ENV.QUICKBOOKS_REDIRECT_URI), client_id: requireEnv(ENV.QUICKBOOKS_CLIENT_ID), scope: ACCOUNTING_SCOPE, state });
  return `${authorizeEndpoint()}?${params}`;
};
