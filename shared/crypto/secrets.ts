/**
 * Secrets a function needs (the signing key, the token-encryption key, the QuickBooks client
 * secret): from Secrets Manager on AWS (the environment holds only the ARN), from the
 * environment itself locally. Fetched once per container, on first use.
 */
import { optionalEnv } from '../env';
import { lazySdk } from '../lazy-sdk';

const cache = new Map<string, Promise<string>>();
const secretsManager = lazySdk(
  () => import('@aws-sdk/client-secrets-manager'),
  (sdk) => new sdk.SecretsManagerClient({}),
);

/** The secret named by `valueEnv` (local) or `arnEnv` (AWS). */
export const secret = (valueEnv: string, arnEnv: string): Promise<string> => {
  let value = cache.get(valueEnv);
  if (!value) {
    value = (async () => {
      const local = optionalEnv(valueEnv);
      if (local) return local;
      const arn = optionalEnv(arnEnv);
      if (!arn) throw new Error(`Missing environment variable ${arnEnv} or ${valueEnv}`);
      const { sdk, client } = await secretsManager();
      const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: arn }));
      if (!out.SecretString) throw new Error(`The secret ${arnEnv} is empty`);
      return out.SecretString;
    })().catch((err: unknown) => {
      cache.delete(valueEnv); // let the next request try again
      throw err;
    });
    cache.set(valueEnv, value);
  }
  return value;
};

/** Tests and the local stack switch secrets between stacks in one process. */
export const resetSecrets = (): void => {
  cache.clear();
};
