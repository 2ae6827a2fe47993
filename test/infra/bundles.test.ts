/**
 * What each function loads at cold start: bundled as the stack bundles it (AWS SDK external),
 * a function's static imports of the SDK are DynamoDB's only. Queues, SES, Cognito and Secrets
 * Manager are imported on first use (`shared/lazy-sdk.ts`), so the many functions that never
 * use them do not pay for loading them. And the lazy loader loads once, retries a failed load,
 * and forgets its client on reset.
 */
import { build } from 'esbuild';
import { describe, expect, it, vi } from 'vitest';
import { lazySdk } from '../../shared/lazy-sdk';
import { queues } from '../../shared/queues';
import { handlerEntries } from '../../shared/routes';
import { cognitoTriggers } from '../../shared/triggers';

const STATIC_SDK_ALLOWED = new Set(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb']);

/** The AWS SDK packages the bundle imports statically, i.e. at cold start. */
const staticSdkImports = async (entry: string) => {
  const out = await build({ entryPoints: [entry], bundle: true, write: false, outfile: 'out.mjs', platform: 'node', format: 'esm', target: 'node22', mainFields: ['module', 'main'], external: ['@aws-sdk/*'], metafile: true, logLevel: 'error' });
  const imports = Object.values(out.metafile.outputs)[0]!.imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/'));
  return new Set(imports.filter((i) => i.kind === 'import-statement').map((i) => i.path));
};

describe('cold start', () => {
  const entries = [...new Set([...handlerEntries(), ...queues.flatMap((q) => ('worker' in q ? [q.worker.handler] : [])), ...cognitoTriggers.map((t) => t.handler)])];

  it('no function imports an AWS SDK package other than DynamoDB before it needs it', { timeout: 120_000 }, async () => {
    const offenders: string[] = [];
    for (const entry of entries) {
      for (const p of await staticSdkImports(entry)) if (!STATIC_SDK_ALLOWED.has(p)) offenders.push(`${entry}: ${p}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('lazySdk', () => {
  it('loads the package and makes the client once, however many callers ask at once', async () => {
    const load = vi.fn(async () => ({ make: () => ({ destroy: vi.fn() }) }));
    const create = vi.fn((sdk: { make: () => { destroy: () => void } }) => sdk.make());
    const get = lazySdk(load, create);
    const [a, b] = await Promise.all([get(), get()]);
    expect(a.client).toBe(b.client);
    expect((await get()).client).toBe(a.client);
    expect(load).toHaveBeenCalledTimes(1);
    expect(create).toHaveBeenCalledTimes(1);
  });

  it('tries again after a failed load', async () => {
    const load = vi.fn().mockRejectedValueOnce(new Error('no package')).mockResolvedValue({});
    const get = lazySdk(load, () => ({ destroy: () => undefined }));
    await expect(get()).rejects.toThrow('no package');
    await expect(get()).resolves.toMatchObject({ sdk: {} });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('destroys the client on reset and makes a new one next time', async () => {
    const destroy = vi.fn();
    const get = lazySdk(async () => ({}), () => ({ destroy }));
    const first = (await get()).client;
    get.reset();
    const second = (await get()).client;
    expect(second).not.toBe(first);
    await vi.waitFor(() => expect(destroy).toHaveBeenCalledTimes(1));
  });
});
