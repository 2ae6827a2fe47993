/**
 * What each function loads at cold start: bundled as the stack bundles it (AWS SDK external),
 * a function's static imports of the SDK are DynamoDB's only, and none carries a package that
 * `infra/bundling` replaces with a shim. Queues, SES, Cognito and Secrets
 * Manager are imported on first use (`shared/lazy-sdk.ts`), so the many functions that never
 * use them do not pay for loading them. And the lazy loader loads once, retries a failed load,
 * and forgets its client on reset.
 */
import { build } from 'esbuild';
import { describe, expect, it, vi } from 'vitest';
import { esbuildOptions, functionEntries, SHIMS } from '../../infra/bundling';
import { lazySdk } from '../../shared/lazy-sdk';

const STATIC_SDK_ALLOWED = new Set(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb']);

/** The AWS SDK packages the bundle imports statically, i.e. at cold start, and the packages it carries. */
const contents = async (entry: string) => {
  const out = await build({ ...esbuildOptions(entry, 'out.mjs'), minify: false, write: false, metafile: true });
  const output = Object.values(out.metafile.outputs)[0]!;
  const imports = output.imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/'));
  const packages = new Set(Object.keys(output.inputs).flatMap((f) => f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []));
  return { staticSdk: new Set(imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)), packages };
};

describe('cold start', () => {
  const entries = functionEntries();

  it('no function imports an AWS SDK package other than DynamoDB before it needs it, or carries a shimmed package', { timeout: 120_000 }, async () => {
    const offenders: string[] = [];
    const shimmed: string[] = [];
    let vendorBundles = 0;
    for (const entry of entries) {
      const { staticSdk, packages } = await contents(entry);
      for (const p of staticSdk) if (!STATIC_SDK_ALLOWED.has(p)) offenders.push(`${entry}: ${p}`);
      for (const p of Object.keys(SHIMS)) if (packages.has(p)) shimmed.push(`${entry}: ${p}`);
      if (packages.has('intuit-oauth') || packages.has('@azure/msal-node')) vendorBundles++;
    }
    expect(offenders).toEqual([]);
    expect(shimmed).toEqual([]);
    // The shims matter: the functions that load the vendor SDKs are among those checked.
    expect(vendorBundles).toBeGreaterThanOrEqual(4);
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
