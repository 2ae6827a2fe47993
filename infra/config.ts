/** Deployment settings from CDK context (`cdk.json`, or `-c key=value`), checked once at synth. */
import type { Construct } from 'constructs';
import * as z from 'zod';

const urls = z.array(z.url()).min(1);

const schema = z.object({
  /** Where the portal's hosted UI may send users back to after login (authorization code + PKCE). */
  portalCallbackUrls: urls,
  portalLogoutUrls: urls,
  /** The Cognito hosted-UI domain prefix of the portal pool: `<prefix>.auth.<region>.amazoncognito.com`. */
  portalDomainPrefix: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/),
  /** The sender of every email; its address or domain must be verified in SES. */
  mailFrom: z.email(),
  /** The portal frontend's base URL, used in set-up and reset links. */
  portalUrl: z.url(),
  /** Browser origins allowed to call the API (CORS); empty for none. */
  allowedOrigins: z.array(z.url()).default([]),
  /** The QuickBooks Online app's client id (Intuit developer portal); its secret lives in Secrets Manager. */
  quickbooksClientId: z.string().min(1).optional(),
  /** The multi-tenant Entra app registration (client credentials) and the MSP's own (partner) tenant. */
  m365ClientId: z.uuid().optional(),
  m365PartnerTenantId: z.uuid().optional(),
  /** The admin-consent redirect registered on the app; default `<API endpoint>/v1/public/m365/callback`. */
  m365RedirectUri: z.url().optional(),
  /** Which Intuit environment the app's keys belong to. */
  quickbooksEnvironment: z.enum(['sandbox', 'production']).default('sandbox'),
  /** The OAuth callback registered with Intuit; default `<API endpoint>/v1/public/quickbooks/callback` (set it behind a custom domain). */
  quickbooksRedirectUri: z.url().optional(),
  /** For one deploy of an upgrade only: the index (`gsi1` or `gsi2`) to leave out, so the next deploy creates it anew (README). */
  dropIndex: z.enum(['gsi1', 'gsi2']).optional(),
  /** ISO 4217 currency of invoices whose company names none (functions' `DEFAULT_CURRENCY`; default USD). */
  defaultCurrency: z.string().regex(/^[A-Z]{3}$/).optional(),
  /** Days CloudWatch keeps function and access logs. */
  logRetentionDays: z.number().int().positive().default(30),
});

export type Config = z.infer<typeof schema>;

export const readConfig = (scope: Construct): Config => {
  const raw = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, scope.node.tryGetContext(`clientele:${k}`)]));
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) throw new Error(`Invalid CDK context: ${parsed.error.issues.map((i) => `clientele:${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
};
