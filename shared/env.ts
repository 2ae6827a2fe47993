/**
 * Environment variable names, shared by the infrastructure that sets them and the runtime that
 * reads them, and the one place that parses them (once, at cold start; a missing one fails loudly).
 */
import { queues, type QueueName } from './queues';

export const ENV = {
  TABLE_NAME: 'TABLE_NAME',
  /** Secrets Manager ARN of the signing key (AWS). */
  SIGNING_SECRET_ARN: 'SIGNING_SECRET_ARN',
  /** The signing key itself (local stack and tests only). */
  SIGNING_KEY: 'SIGNING_KEY',
  STAFF_USER_POOL_ID: 'STAFF_USER_POOL_ID',
  PORTAL_USER_POOL_ID: 'PORTAL_USER_POOL_ID',
  /** The staff pool's app client: a route that also takes integration keys verifies staff tokens against it itself. */
  STAFF_CLIENT_ID: 'STAFF_CLIENT_ID',
  PORTAL_CLIENT_ID: 'PORTAL_CLIENT_ID',
  MAIL_FROM: 'MAIL_FROM',
  SES_CONFIGURATION_SET: 'SES_CONFIGURATION_SET',
  PORTAL_URL: 'PORTAL_URL',
  LOG_LEVEL: 'POWERTOOLS_LOG_LEVEL',
  /** QuickBooks Online app: client id, and its secret (Secrets Manager ARN on AWS, the value locally). */
  QUICKBOOKS_CLIENT_ID: 'QUICKBOOKS_CLIENT_ID',
  QUICKBOOKS_CLIENT_SECRET_ARN: 'QUICKBOOKS_CLIENT_SECRET_ARN',
  QUICKBOOKS_CLIENT_SECRET: 'QUICKBOOKS_CLIENT_SECRET',
  /** `sandbox` or `production`. */
  QUICKBOOKS_ENVIRONMENT: 'QUICKBOOKS_ENVIRONMENT',
  /** The public callback URL registered with Intuit. */
  QUICKBOOKS_REDIRECT_URI: 'QUICKBOOKS_REDIRECT_URI',
  /** Local stack and tests only: the fake QuickBooks server that stands in for Intuit. */
  QUICKBOOKS_FAKE_URL: 'QUICKBOOKS_FAKE_URL',
  /** Microsoft 365: the multi-tenant Entra app (client credentials), the partner's own tenant, the consent redirect. */
  M365_CLIENT_ID: 'M365_CLIENT_ID',
  M365_CLIENT_SECRET_ARN: 'M365_CLIENT_SECRET_ARN',
  M365_CLIENT_SECRET: 'M365_CLIENT_SECRET',
  M365_PARTNER_TENANT_ID: 'M365_PARTNER_TENANT_ID',
  M365_REDIRECT_URI: 'M365_REDIRECT_URI',
  /** Local stack and tests only: the fake Microsoft (Entra login and Graph) that stands in for the real one. */
  M365_FAKE_URL: 'M365_FAKE_URL',
  /** Key that encrypts stored OAuth tokens: Secrets Manager ARN on AWS, the value locally. */
  ENCRYPTION_SECRET_ARN: 'ENCRYPTION_SECRET_ARN',
  ENCRYPTION_KEY: 'ENCRYPTION_KEY',
  /** Key that seals outbox messages of sealed queues (mail: set-up links) at rest: Secrets Manager ARN on AWS, the value locally. */
  OUTBOX_SECRET_ARN: 'OUTBOX_SECRET_ARN',
  OUTBOX_KEY: 'OUTBOX_KEY',
  /** Key that seals webhook signing secrets at rest: Secrets Manager ARN on AWS, the value locally. */
  WEBHOOK_SECRET_ARN: 'WEBHOOK_SECRET_ARN',
  WEBHOOK_KEY: 'WEBHOOK_KEY',
  /** Local stack and tests only (`1`): webhooks may be `http://127.0.0.1` and `http://localhost`. Never set on AWS. */
  WEBHOOK_ALLOW_LOOPBACK: 'WEBHOOK_ALLOW_LOOPBACK',
  /** The MSP's currency (ISO 4217), for a contract whose company names none; default `USD` (shared/billing/msp-defaults.ts). */
  DEFAULT_CURRENCY: 'DEFAULT_CURRENCY',
  /** The MSP's time zone (IANA), which decides what "today" is for contract dates; default `UTC`. */
  TIMEZONE: 'TIMEZONE',
} as const;

/** `QUEUE_URL_M365_SYNC` and so on: one variable per queue a function sends to. */
export const queueUrlEnv = (name: QueueName): string => `QUEUE_URL_${name.toUpperCase().replace(/-/g, '_')}`;

/** The variables read, each an optional non-empty string, and the values `QUICKBOOKS_ENVIRONMENT` may take. */
const QUICKBOOKS_ENVIRONMENTS = ['sandbox', 'production'];
export type Env = Record<string, string | undefined>;

// Checked on the first read, not at load, and without zod: every function loads this module
// (through the DynamoDB client), and zod's own code is ~90 KB of a Cognito trigger's cold start
// (docs/benchmarks.md §5).
let parsed: Env | undefined;
const read = (): Env => {
  if (parsed) return parsed;
  const names = [...Object.values(ENV), ...queues.map((q) => queueUrlEnv(q.name))];
  const env: Env = {};
  for (const name of names) {
    const value = process.env[name];
    if (value === undefined) continue;
    if (value === '') throw new Error(`Environment variable ${name} is set but empty`);
    if (name === ENV.QUICKBOOKS_ENVIRONMENT && !QUICKBOOKS_ENVIRONMENTS.includes(value)) throw new Error(`${name} must be one of ${QUICKBOOKS_ENVIRONMENTS.join(', ')}`);
    env[name] = value;
  }
  return (parsed = env);
};

/** A variable this function needs; throws at first use if the deployment forgot it. */
export const requireEnv = (name: string): string => {
  const value = read()[name];
  if (!value) throw new Error(`Missing environment variable ${name}`);
  return value;
};

export const optionalEnv = (name: string): string | undefined => read()[name];

/** Tests and the local stack change the environment between runs in one process. */
export const resetEnvCache = (): void => {
  parsed = undefined;
};
