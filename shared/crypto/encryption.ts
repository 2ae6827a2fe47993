/**
 * AES-256-GCM for what must be stored but never readable at rest by anyone with table access
 * (OAuth tokens; outbox messages holding set-up links, under a key of their own). The key is a
 * secret (Secrets Manager on AWS); each value gets a fresh IV, and
 * `context` (e.g. the record it belongs to) is authenticated, so a ciphertext moved to another
 * record does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ENV } from '../env';
import { secret } from './secrets';

/** Encryption under the key named by `valueEnv` (local) or `arnEnv` (AWS). */
export const sealer = (valueEnv: string, arnEnv: string) => {
  const key = async (): Promise<Buffer> => createHash('sha256').update(await secret(valueEnv, arnEnv), 'utf8').digest();

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  const encrypt = async (plaintext: string, context: string): Promise<string> => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await key(), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  };

  const decrypt = async (sealed: string, context: string): Promise<string> => {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Not an encrypted value');
    const decipher = createDecipheriv('aes-256-gcm', await key(), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  };

  return { encrypt, decrypt };
};

/** OAuth tokens (QuickBooks). */
export const { encrypt, decrypt } = sealer(ENV.ENCRYPTION_KEY, ENV.ENCRYPTION_SECRET_ARN);
