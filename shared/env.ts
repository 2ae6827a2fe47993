/**
 * Environment variable names, shared by the infrastructure that sets them and the runtime that
 * reads them, and the one place that parses them (once, at cold start; a missing one fails loudly).
 */
import { z } from 'zod';
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
} as const;

/** `QUEUE_URL_M365_SYNC` and so on: one variable per queue a function sends to. */
export const queueUrlEnv = (name: QueueName): string => `QUEUE_URL_${name.toUpperCase().replace(/-/g, '_')}`;

const optional = z.string().min(1).optional();

const schema = z.object({
  [ENV.TABLE_NAME]: optional,
  [ENV.SIGNING_SECRET_ARN]: optional,
  [ENV.SIGNING_KEY]: optional,
  [ENV.STAFF_USER_POOL_ID]: optional,
  [ENV.PORTAL_USER_POOL_ID]: optional,
  [ENV.PORTAL_CLIENT_ID]: optional,
  [ENV.MAIL_FROM]: optional,
  [ENV.SES_CONFIGURATION_SET]: optional,
  [ENV.PORTAL_URL]: optional,
  ...Object.fromEntries(queues.map((q) => [queueUrlEnv(q.name), optional])),
});

export type Env = z.infer<typeof schema>;

let parsed: Env | undefined;
const read = (): Env => (parsed ??= schema.parse(process.env));

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
