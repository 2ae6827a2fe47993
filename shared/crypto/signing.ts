/**
 * HMAC signing for everything a client carries back to us (list cursors, OAuth `state`, links).
 * The key comes from Secrets Manager on AWS (fetched once, on first use) or from the
 * environment locally.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ENV } from '../env';
import { resetSecrets, secret } from './secrets';

const signingKey = async (): Promise<Buffer> => Buffer.from(await secret(ENV.SIGNING_KEY, ENV.SIGNING_SECRET_ARN), 'utf8');

/** Tests switch keys between stacks in one process. */
export const resetSigningKey = (): void => resetSecrets();

const mac = async (purpose: string, payload: string): Promise<string> =>
  createHmac('sha256', await signingKey()).update(purpose).update('\n').update(payload).digest('base64url');

/** `payload` (base64url JSON) + `.` + MAC, bound to a purpose so one kind of token never passes as another. */
export const sign = async (purpose: string, value: unknown): Promise<string> => {
  const payload = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${payload}.${await mac(purpose, payload)}`;
};

/** The signed value, or `undefined` when the token is malformed or its MAC does not match. */
export const verify = async (purpose: string, token: string): Promise<unknown> => {
  const [payload, given, extra] = token.split('.');
  if (!payload || !given || extra !== undefined) return undefined;
  const expected = Buffer.from(await mac(purpose, payload), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
};
