/**
 * Environment variable names, shared by the infrastructure that sets them and the runtime that
 * reads them, and the one place that parses them (once, at cold start; a missing one fails loudly).
 */
import * as z from 'zod';
import { queues, type QueueName } from './queues';

export const ENV = {
  TABLE_NAME: 'TABLE_NAME',
  /** Secrets Manager ARN of the signing key (AWS). */
  SIGNING_SECRET_ARN: 'SIGNING_SECRET_ARN',
  /** The signing key itself (local stack and tests only). */
  SIGNING_KEY: 'SIGNING_KEY',
  STAFF_USER_POOL_ID: 'STAFF_USER_POOL_ID',
  PORTAL_USER_POOL_ID: 'PORTAL_USER_POOL_ID',
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
} as const;

/** `QUEUE_URL_M365_SYNC` and so on: one variable per queue a function sends to. */
export const queueUrlEnv = (name: QueueName): string => `QUEUE_URL_${name.toUpperCase().replace(/-/g, '_')}`;

// Built on the first read, not at load: zod builds a schema eagerly, and this one, loaded by
// every function through the DynamoDB client, cost a few ms of every cold start (docs/benchmarks.md §5).
const makeSchema = () => {
  const optional = z.string().min(1).optional();
  return z.object({
    [ENV.TABLE_NAME]: optional,
    [ENV.SIGNING_SECRET_ARN]: optional,
    [ENV.SIGNING_KEY]: optional,
    [ENV.STAFF_USER_POOL_ID]: optional,
    [ENV.PORTAL_USER_POOL_ID]: optional,
    [ENV.PORTAL_CLIENT_ID]: optional,
    [ENV.MAIL_FROM]: optional,
    [ENV.SES_CONFIGURATION_SET]: optional,
    [ENV.PORTAL_URL]: optional,
    [ENV.QUICKBOOKS_CLIENT_ID]: optional,
    [ENV.QUICKBOOKS_CLIENT_SECRET_ARN]: optional,
    [ENV.QUICKBOOKS_CLIENT_SECRET]: optional,
    [ENV.QUICKBOOKS_ENVIRONMENT]: z.enum(['sandbox', 'production']).optional(),
    [ENV.QUICKBOOKS_REDIRECT_URI]: optional,
    [ENV.QUICKBOOKS_FAKE_URL]: optional,
    [ENV.ENCRYPTION_SECRET_ARN]: optional,
    [ENV.M365_CLIENT_ID]: optional,
    [ENV.M365_CLIENT_SECRET_ARN]: optional,
    [ENV.M365_CLIENT_SECRET]: optional,
    [ENV.M365_PARTNER_TENANT_ID]: optional,
    [ENV.M365_REDIRECT_URI]: optional,
    [ENV.M365_FAKE_URL]: optional,
    [ENV.ENCRYPTION_KEY]: optional,
    [ENV.OUTBOX_SECRET_ARN]: optional,
    [ENV.OUTBOX_KEY]: optional,
    ...Object.fromEntries(queues.map((q) => [queueUrlEnv(q.name), optional])),
  });
};

export type Env = z.infer<ReturnType<typeof makeSchema>>;

let parsed: Env | undefined;
const read = (): Env => (parsed ??= makeSchema().parse(process.env));

/** A variable this function needs; throws at first use if the deployment forgot it. */
export const requireEnv = (name: string): string => {
  const value = (read() as Record<string, string | undefined>)[name];
  if (!value) throw new Error(`Missing environment variable ${name}`);
  return value;
};

export const optionalEnv = (name: string): string | undefined => (read() as Record<string, string | undefined>)[name];

/** Tests and the local stack change the environment between runs in one process. */
export const resetEnvCache = (): void => {
  parsed = undefined;
};
