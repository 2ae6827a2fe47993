/**
 * What each function loads at cold start: bundled as the stack bundles it (AWS SDK external),
 * a function's static imports of the SDK are DynamoDB's only, none carries a package that
 * `infra/bundling` replaces with a shim, a vendor SDK (Intuit, MSAL, Graph) is only in the
 * functions that talk to that vendor, and an area function's bundle holds every route module
 * its dispatcher imports lazily. Queues, SES, Cognito and Secrets
 * Manager are imported on first use (`shared/lazy-sdk.ts`), so the many functions that never
 * use them do not pay for loading them. And the lazy loader loads once, retries a failed load,
 * and forgets its client on reset.
 */
import { build } from 'esbuild';
import { describe, expect, it, vi } from 'vitest';
import { esbuildOptions, functionEntries, SHIMS } from '../../infra/bundling';
import { lazySdk } from '../../shared/lazy-sdk';
import { queues } from '../../shared/queues';
import { apiFunctions } from '../../shared/routes';

const STATIC_SDK_ALLOWED = new Set(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb']);

/** The AWS SDK packages the bundle imports statically, i.e. at cold start, and the packages it carries. */
const build1 = async (entry: string) => {
  const out = await build({ ...esbuildOptions(entry, 'out.mjs'), minify: false, write: false, metafile: true });
  const output = Object.values(out.metafile.outputs)[0]!;
  const imports = output.imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/'));
  const packages = new Set(Object.keys(output.inputs).flatMap((f) => f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []));
  return {
    staticSdk: new Set(imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)),
    packages,
    modules: new Set(Object.keys(output.inputs)),
    // What the bundle would load from outside itself at run time, other than Node's and the SDK.
    externalOwn: output.imports.filter((i) => i.external && !i.path.startsWith('node:') && !i.path.startsWith('@aws-sdk/')).map((i) => i.path),
  };
};

/** Each function is built once for all the checks below. */
const built = new Map<string, ReturnType<typeof build1>>();
const contents = (entry: string) => {
  if (!built.has(entry)) built.set(entry, build1(entry));
  return built.get(entry)!;
};

/** Which vendor each function talks to, from the route and queue tables. */
const vendorsOf = (entry: string) => {
  const served = apiFunctions().find((f) => f.entry === entry)?.routes ?? [];
  const worker = queues.flatMap((q) => ('worker' in q && q.worker.handler === entry ? [q.worker as { quickbooks?: boolean; m365?: boolean }] : []))[0];
  return { quickbooks: served.some((r) => r.quickbooks) || !!worker?.quickbooks, m365: served.some((r) => r.m365) || !!worker?.m365 };
};
const INTUIT = ['intuit-oauth'];
const MICROSOFT = ['@azure/msal-node', '@microsoft/microsoft-graph-client'];

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

  it('carries a vendor SDK only in the functions that talk to that vendor; no area function carries one', { timeout: 120_000 }, async () => {
    const misplaced: string[] = [];
    for (const entry of entries) {
      const { packages } = await contents(entry);
      const { quickbooks, m365 } = vendorsOf(entry);
      for (const p of INTUIT) if (packages.has(p) && !quickbooks) misplaced.push(`${entry}: ${p}`);
      for (const p of MICROSOFT) if (packages.has(p) && !m365) misplaced.push(`${entry}: ${p}`);
    }
    expect(misplaced).toEqual([]);
    for (const f of apiFunctions().filter((x) => x.area)) expect(vendorsOf(f.entry), f.entry).toEqual({ quickbooks: false, m365: false });
  });

  it('bundles every route module of an area into its function, loaded by nothing outside the bundle', { timeout: 60_000 }, async () => {
    const areas = apiFunctions().filter((f) => f.area);
    expect(areas.length).toBeGreaterThan(0);
    for (const f of areas) {
      const { modules, externalOwn } = await contents(f.entry);
      for (const r of f.routes) expect(modules.has(r.handler), `${f.entry} bundles ${r.handler}`).toBe(true);
      expect(externalOwn, f.entry).toEqual([]);
    }
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
