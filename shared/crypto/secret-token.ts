/**
 * Secret tokens that machines carry (integration keys `clk_…`, installer tokens `cit_…`):
 * `<prefix>_<id>_<secret>`, the id a ULID (the item to read), the secret 256 random bits. Only
 * the secret's SHA-256 is stored: with that much entropy a plain hash is enough, and the table
 * never holds a usable token. Checking compares hashes in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const SECRET = '[A-Za-z0-9_-]{43}';

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** A new token for the item `id`: the token (shown once), the hash to store, and a hint (its first characters) to tell tokens apart. */
export const newSecretToken = (prefix: string, id: string): { token: string; secretHash: string; hint: string } => {
  const secret = randomBytes(32).toString('base64url');
  const token = `${prefix}_${id}_${secret}`;
  return { token, secretHash: hashSecret(secret), hint: `${token.slice(0, prefix.length + 32)}…` };
};

/** The id and secret of a well-formed token of this prefix; undefined otherwise. */
export const parseSecretToken = (prefix: string, token: string): { id: string; secret: string } | undefined => {
  const m = new RegExp(`^${prefix}_(${ULID})_(${SECRET})$`).exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
};

/** Whether `secret` hashes to `storedHash`, compared in constant time. */
export const secretMatches = (secret: string, storedHash: string): boolean => {
  const [given, kept] = [Buffer.from(hashSecret(secret), 'hex'), Buffer.from(storedHash, 'hex')];
  return given.length === kept.length && timingSafeEqual(given, kept);
};
