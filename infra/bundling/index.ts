/**
 * How every function is bundled, in one place: the CDK stack (`infra/function.ts`), the
 * benchmark (`bench/cold-start.ts`) and the bundle tests build with these settings. esbuild,
 * ESM, minified, for Node.js 22, the AWS SDK clients each function uses bundled (see `EXTERNAL`), and three
 * packages our vendor SDKs load but this app never runs replaced by small shims (`shims/`):
 * each is required by a path no function takes, and fails loudly if one ever does.
 */
import { join, relative, resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';
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
 * test. A lazily imported client (`shared/lazy-sdk.ts`) stays lazy: in a single-file bundle
 * esbuild turns `await import('@aws-sdk/client-sqs')` into a wrapper evaluated on first call,
 * which test/infra/bundles.test.ts checks by loading each bundle.
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

/** The esbuild options for one function's entry (absolute, or relative to the repository root). */
export const esbuildOptions = (entry: string, outfile: string): BuildOptions => ({
  entryPoints: [resolve(repoRoot, entry)],
  outfile,
  bundle: true,
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

/** The same aliases as CDK's `esbuildArgs` (NodejsFunction runs the esbuild CLI). */
export const shimArgs = (): Record<string, string> => Object.fromEntries(Object.entries(SHIMS).map(([pkg, path]) => [`--alias:${pkg}`, path]));

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

/** Bundles one function into `outDir` and returns the file. */
export const bundleFunction = async (entry: string, outDir: string): Promise<string> => {
  const { build } = await import('esbuild');
  const outfile = resolve(outDir, `${relative(repoRoot, resolve(repoRoot, entry)).replace(/[/.]/g, '_')}.mjs`);
  await build(esbuildOptions(entry, outfile));
  return outfile;
};
