/**
 * How every function is bundled, in one place: the CDK stack (`infra/function.ts`), the
 * benchmark (`bench/cold-start.ts`) and the bundle tests build with these settings. esbuild,
 * ESM, minified, for Node.js 22, the AWS SDK clients each function uses bundled (see `EXTERNAL`), and three
 * packages our vendor SDKs load but this app never runs replaced by small shims (`shims/`):
 * each is required by a path no function takes, and fails loudly if one ever does.
 *
 * A function is a directory, not one file: `index.mjs` (the handler) and `chunks/`. esbuild's
 * code splitting puts each `await import()` in chunks of its own, so what a function imports
 * lazily (an area's route modules, an SDK client used on some requests) is neither parsed nor
 * evaluated at cold start: Node reads `index.mjs` and the chunks it imports statically, and the
 * rest on first use. In one file esbuild still defers the evaluation of a lazily imported module,
 * but V8 parses the whole file at load, and that was most of what the area functions added to
 * init (docs/benchmarks.md §5).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';
import { deadLetterConsumer, functionSchedules, queues } from '../../shared/queues';
import { handlerEntries } from '../../shared/routes';
import { streamConsumers } from '../../shared/streams';
import { cognitoTriggers } from '../../shared/triggers';
import { repoRoot } from '../paths';

/** Some dependencies still `require()` Node built-ins; give the ESM bundle a `require`. */
export const BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/**
 * Nothing is external, the AWS SDK included (CDK's default leaves `@aws-sdk/*` to the runtime's
 * copy). Bundled, tree-shaken and minified, the SDK loads in half the time: a fresh `node`
 * importing a one-GetItem handler took 144 ms with the SDK external and 43 ms bundled, the
 * companies function 172 ms and 93 ms (docs/benchmarks.md §5); it also pins the SDK version we
 * test. A lazily imported client (`shared/lazy-sdk.ts`) stays lazy: `await import('@aws-sdk/client-sqs')`
 * becomes a chunk loaded on first call, which test/infra/bundles.test.ts checks by loading each bundle.
 */
export const EXTERNAL: string[] = [];

export const MAIN_FIELDS = ['module', 'main'];

export const TARGET = 'node22';

/**
 * Package → shim. winston (with logform, readable-stream, colors…: ~140 KB) is intuit-oauth's
 * optional file log; jsonwebtoken (with semver, jws…: ~50 KB) signs MSAL certificate assertions
 * and verifies intuit-oauth ID tokens; form-data (with mime-db: ~140 KB) is axios's fallback
 * for a runtime without FormData.
 */
export const SHIMS: Record<string, string> = {
  winston: join(repoRoot, 'infra/bundling/shims/winston.cjs'),
  jsonwebtoken: join(repoRoot, 'infra/bundling/shims/jsonwebtoken.cjs'),
  'form-data': join(repoRoot, 'infra/bundling/shims/form-data.cjs'),
};

/** The file Lambda loads in a function's directory (its handler is `index.handler`). */
export const ENTRY_FILE = 'index.mjs';

/**
 * The esbuild options for one function's entry (absolute, or relative to the repository root),
 * written to `outdir`: `index.mjs` and `chunks/*.mjs`.
 */
export const esbuildOptions = (entry: string, outdir: string): BuildOptions => ({
  entryPoints: { index: resolve(repoRoot, entry) },
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: TARGET,
  minify: true,
  mainFields: MAIN_FIELDS,
  banner: { js: BANNER },
  external: EXTERNAL,
  alias: SHIMS,
  logLevel: 'error',
});

/**
 * The files of a build that Node reads when it loads the entry, i.e. at cold start: the entry
 * and, transitively, the chunks it imports statically (not those behind an `import()`). Paths as
 * the metafile names them.
 */
export const filesAtInit = (metafile: Metafile, entryOut: string): string[] => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of metafile.outputs[file]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entryOut);
  return [...seen];
};

/** Every file under a directory, recursively. */
export const filesIn = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesIn(join(dir, d.name)) : [join(dir, d.name)]));

/** A built function's sizes in bytes: what it loads at cold start, and all its files. */
export interface BundleSize {
  initBytes: number;
  totalBytes: number;
}

/** Every function's entry, once: the API's (area dispatchers, routes' own modules, the fallback), the queue workers, the schedules, the Cognito triggers, the stream consumers. */
export const functionEntries = (): string[] => [
  ...new Set([
    ...handlerEntries(),
    ...queues.flatMap((q) => ('worker' in q ? [q.worker.handler] : [])),
    deadLetterConsumer.handler,
    ...functionSchedules.map((s) => s.handler),
    ...cognitoTriggers.map((t) => t.handler),
    ...streamConsumers.map((c) => c.handler),
  ]),
];

/** A module the function imports lazily (`import()`): its chunk, and the bytes its first load reads beyond what init read. */
export interface LazyModule {
  module: string;
  file: string;
  bytes: number;
}

/** A function bundled by `bundleFunction`: its entry file (what Lambda imports), its sizes and its lazily imported modules. */
export interface BundledFunction extends BundleSize {
  dir: string;
  file: string;
  lazy: LazyModule[];
}

/** Bundles one function into a directory of its own under `outDir` and returns its entry file and sizes. */
export const bundleFunction = async (entry: string, outDir: string): Promise<BundledFunction> => {
  const { build } = await import('esbuild');
  const dir = resolve(outDir, relative(repoRoot, resolve(repoRoot, entry)).replace(/[/.]/g, '_'));
  const { metafile } = await build({ ...esbuildOptions(entry, dir), metafile: true });
  const cwd = process.cwd();
  const entryOut = Object.keys(metafile.outputs).find((o) => resolve(cwd, o) === join(dir, ENTRY_FILE))!;
  const size = (files: string[]) => files.reduce((a, f) => a + statSync(resolve(cwd, f)).size, 0);
  const atInit = filesAtInit(metafile, entryOut);
  const lazy = Object.entries(metafile.outputs)
    .filter(([o, out]) => o !== entryOut && out.entryPoint)
    .map(([o, out]) => ({ module: out.entryPoint!, file: resolve(cwd, o), bytes: size(filesAtInit(metafile, o).filter((f) => !atInit.includes(f))) }));
  return { dir, file: join(dir, ENTRY_FILE), initBytes: size(atInit), totalBytes: size(filesIn(dir)), lazy };
};
