/**
 * The whole local stack for end-to-end tests: every engine on a free port, state in a fresh
 * temporary directory, so tests never depend on a running `npm start` and two runs can overlap.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { startLocalStack, type StackInfo } from '../../infra/local/stack';

export interface TestStack {
  info: StackInfo;
  dir: string;
  stop: () => Promise<void>;
}

export interface TestStackOptions {
  /**
   * Apply the route table's throttling at the gateway. Off unless a test asks: tests fire bursts
   * (fuzzing, authorization matrices, races) that no limit is meant to serve, and a `429` there
   * would hide what they check. test/e2e/gateway-limits.e2e.test.ts tests the limits themselves.
   */
  throttle?: boolean;
  /** Every line the stack logs (gateway, workers, triggers), as it is written. */
  log?: (line: string) => void;
}

export const startStack = async (opts: TestStackOptions = {}): Promise<TestStack> => {
  const dir = mkdtempSync(join(tmpdir(), 'clientele-stack-'));
  const logs: string[] = [];
  const stack = await startLocalStack({
    dir,
    ports: { api: 0, cognito: 0, dynamodb: 0, ses: 0, sqs: 0 },
    persist: false,
    fixedCognitoIds: false,
    throttle: opts.throttle ?? false,
    log: (line) => {
      logs.push(line);
      opts.log?.(line);
    },
  });
  return {
    info: stack.info,
    dir,
    stop: async () => {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
      const failures = logs.filter((l) => / failed: /.test(l));
      if (failures.length) console.warn(failures.join('\n'));
    },
  };
};

/** Cognito `InitiateAuth` with `USER_PASSWORD_AUTH`, as API.md tells a client to log in. */
export const login = async (info: StackInfo, email: string, password: string, pool: 'staff' | 'portal') => {
  const cognito = new CognitoIdentityProviderClient({ endpoint: info.cognito.endpoint, region: info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const out = await cognito.send(
      new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: info.cognito[pool].clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }),
    );
    const r = out.AuthenticationResult;
    if (!r?.IdToken || !r.AccessToken) throw new Error(`No tokens for ${email}: ${out.ChallengeName ?? 'unknown'}`);
    return { idToken: r.IdToken, accessToken: r.AccessToken, refreshToken: r.RefreshToken };
  } finally {
    cognito.destroy();
  }
};
