/**
 * What each function loads at cold start: bundled as the stack bundles it (the AWS SDK clients
 * bundled too, code split), loading a function's bundle evaluates no AWS SDK package but DynamoDB's, none
 * carries a package that `infra/bundling` replaces with a shim, a vendor SDK (Intuit, MSAL,
 * Graph) is only in the functions that talk to that vendor and read by none at init, and an area function's bundle holds
 * every route module its dispatcher imports lazily, in chunks its init does not read. Queues,
 * SES, Cognito and Secrets Manager are imported on first use (`shared/lazy-sdk.ts`): bundled,
 * they are in the function's chunks but neither read nor evaluated until then, so the many
 * functions that never use them do not pay for loading them. And the lazy loader loads once,
 * retries a failed load, and forgets its client on reset.
 */
import { isBuiltin } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ENTRY_FILE, esbuildOptions, filesAtInit, functionEntries, SHIMS } from '../../infra/bundling';
import { repoRoot } from '../../infra/paths';
import { lazySdk } from '../../shared/lazy-sdk';
import { queues } from '../../shared/queues';
import { apiFunctions } from '../../shared/routes';

const COLD_SDK_ALLOWED = new Set(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);

/**
 * Marks every module of each AWS SDK service client (and lib-* wrapper, such as the DynamoDB
 * document client): evaluating any of them adds the package to a set on globalThis. Every module,
 * not the package's index: the packages declare no side effects, so a named import skips their
 * index. (The SDK's helper packages, credentials and codecs, come with whichever client loads them.) Bundled, a lazily imported package is in the file either way; only running the
 * bundle tells whether cold start evaluates it.
 */
const SDK_ENTRY = /[\\/]node_modules[\\/]@aws-sdk[\\/]((?:client|lib)-[^\\/]+)[\\/]dist-(?:es|cjs)[\\/].*\.js$/;
const sdkMarker: Plugin = {
  name: 'sdk-marker',
  setup(b) {
    b.onLoad({ filter: SDK_ENTRY }, (args) => ({
      contents: `(globalThis.__sdkEvaluated ??= new Set()).add(${JSON.stringify(`@aws-sdk/${args.path.match(SDK_ENTRY)![1]}`)});\n${readFileSync(args.path, 'utf8')}`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

const outDir = join(repoRoot, 'node_modules', '.cache', 'clientele-bundles-test', String(process.pid));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** The AWS SDK packages a fresh `node` evaluates when it loads the bundle, i.e. at cold start. */
const evaluatedAtColdStart = (file: string): Set<string> => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(file)}); console.log(JSON.stringify([...(globalThis.__sdkEvaluated ?? [])]))`], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Set(JSON.parse(out.toString().trim().split('\n').at(-1)!) as string[]);
};

const packagesOf = (modules: Iterable<string>) => new Set([...modules].flatMap((f) => f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []));

/**
 * The function built with the SDK marker into a directory of its own: what it evaluates at cold
 * start, the packages and modules all its files carry, and those of the files it reads at init
 * (`index.mjs` and the chunks that imports statically).
 */
const build1 = async (entry: string) => {
  const dir = join(outDir, entry.replace(/[/.]/g, '_'));
  mkdirSync(dir, { recursive: true });
  const out = await build({ ...esbuildOptions(entry, dir), minify: false, metafile: true, plugins: [sdkMarker] });
  const outputs = Object.entries(out.metafile.outputs);
  const entryOut = outputs.find(([o]) => o.endsWith(`/${ENTRY_FILE}`) && join(repoRoot, o) === join(dir, ENTRY_FILE))![0];
  const atInit = new Set(filesAtInit(out.metafile, entryOut));
  const modules = new Set(outputs.flatMap(([, o]) => Object.keys(o.inputs)));
  const initModules = new Set(outputs.filter(([o]) => atInit.has(o)).flatMap(([, o]) => Object.keys(o.inputs)));
  // Modules that are the entry of a chunk loaded by an `import()`.
  const lazy = new Set(outputs.flatMap(([o, out]) => (o !== entryOut && out.entryPoint ? [out.entryPoint] : [])));
  return {
    coldSdk: evaluatedAtColdStart(join(dir, ENTRY_FILE)),
    packages: packagesOf(modules),
    modules,
    initModules,
    initPackages: packagesOf(initModules),
    lazy,
    // What the bundle would load from outside itself at run time, other than Node's.
    externalOwn: outputs.flatMap(([, o]) => o.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path)),
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

  it('the marker sees what a bundle evaluates: the one-GetItem handler evaluates DynamoDB', { timeout: 60_000 }, async () => {
    const { coldSdk, packages } = await contents('bench/minimal-get.ts');
    expect(packages.has('@aws-sdk/client-dynamodb')).toBe(true);
    expect([...coldSdk].sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
  });

  it('a static import of a client is evaluated at cold start; an `await import()` of it, bundled in a chunk of the function, is not', { timeout: 60_000 }, async () => {
    mkdirSync(outDir, { recursive: true });
    const eager = join(outDir, 'eager.ts');
    const lazy = join(outDir, 'lazy.ts');
    writeFileSync(eager, "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const handler = async () => new SQSClient({}).destroy();\n");
    writeFileSync(lazy, "export const handler = async () => new (await import('@aws-sdk/client-sqs')).SQSClient({}).destroy();\n");
    const [e, l] = [await build1(eager), await build1(lazy)];
    expect(e.coldSdk.has('@aws-sdk/client-sqs')).toBe(true);
    expect(l.packages.has('@aws-sdk/client-sqs')).toBe(true);
    expect(l.coldSdk.has('@aws-sdk/client-sqs')).toBe(false);
  });

  it('no function evaluates an AWS SDK package other than DynamoDB at cold start, or carries a shimmed package', { timeout: 300_000 }, async () => {
    const offenders: string[] = [];
    const shimmed: string[] = [];
    let vendorBundles = 0;
    let lazyBundled = 0;
    for (const entry of entries) {
      const { coldSdk, packages } = await contents(entry);
      for (const p of coldSdk) if (!COLD_SDK_ALLOWED.has(p)) offenders.push(`${entry}: ${p}`);
      for (const p of Object.keys(SHIMS)) if (packages.has(p)) shimmed.push(`${entry}: ${p}`);
      if (packages.has('intuit-oauth') || packages.has('@azure/msal-node')) vendorBundles++;
      if (['@aws-sdk/client-sqs', '@aws-sdk/client-ses', '@aws-sdk/client-cognito-identity-provider', '@aws-sdk/client-secrets-manager'].some((p) => packages.has(p))) lazyBundled++;
    }
    expect(offenders).toEqual([]);
    expect(shimmed).toEqual([]);
    // The shims matter: the functions that load the vendor SDKs are among those checked.
    expect(vendorBundles).toBeGreaterThanOrEqual(4);
    // And the lazily imported clients are bundled (in the file, not evaluated) in the functions checked.
    expect(lazyBundled).toBeGreaterThanOrEqual(4);
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

  it('reads no vendor SDK at init: a function that talks to a vendor loads its SDK on the first call to it', { timeout: 120_000 }, async () => {
    const vendor = [...INTUIT, ...MICROSOFT, 'axios'];
    const atInit: string[] = [];
    let carried = 0;
    for (const entry of entries) {
      const { packages, initPackages } = await contents(entry);
      for (const p of vendor) if (initPackages.has(p)) atInit.push(`${entry}: ${p}`);
      if (vendor.some((p) => packages.has(p))) carried++;
    }
    expect(atInit).toEqual([]);
    // The functions checked do carry them, in chunks read on first use.
    expect(carried).toBeGreaterThanOrEqual(4);
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

  it("reads only its dispatcher and the route table at init in an area function: a route's module, and every package, on the route's first request", { timeout: 60_000 }, async () => {
    for (const f of apiFunctions().filter((x) => x.area)) {
      const { initModules, lazy } = await contents(f.entry);
      expect([...initModules].sort(), f.entry).toEqual([f.entry, 'functions/dispatch.ts', 'shared/routes.ts'].sort());
      // Each route module is the entry of a chunk of its own, loaded by its `import()`.
      for (const r of f.routes) expect(lazy.has(r.handler), `${f.entry} loads ${r.handler} lazily`).toBe(true);
    }
  });

  it('loads the OpenAPI registry only in the function that writes the document, and the lazily imported SDK clients in no function at init', { timeout: 60_000 }, async () => {
    const lazy = ['@aws-sdk/client-sqs', '@aws-sdk/client-ses', '@aws-sdk/client-cognito-identity-provider', '@aws-sdk/client-secrets-manager'];
    for (const entry of entries) {
      const { packages, initPackages } = await contents(entry);
      if (entry !== 'functions/openapi/get-openapi.ts') expect(packages.has('@asteasolutions/zod-to-openapi'), entry).toBe(false);
      expect(lazy.filter((p) => initPackages.has(p)), entry).toEqual([]);
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
