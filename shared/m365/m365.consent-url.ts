/**
 * The admin-consent URL, kept apart from the Graph client so the functions that only link
 * tenants do not load MSAL and the Graph client at cold start.
 */
import { ENV, optionalEnv, requireEnv } from '../env';

const LOGIN = 'https://login.microsoftonline.com';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** The admin-consent URL a customer's admin opens (Microsoft's, or the fake's locally). */
export const adminConsentUrl = (state: string): string => {
  const base = optionalEnv(ENV.M365_FAKE_URL) ?? LOGIN;
  const params = new URLSearchParams({ client_id: requireEnv(ENV.M365_CLIENT_ID), scope: GRAPH_SCOPE, redirect_uri: requireEnv(ENV.M365_REDIRECT_URI), state });
  return `${base}/organizations/v2.0/adminconsent?${params}`;
};

