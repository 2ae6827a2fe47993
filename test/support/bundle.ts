/**
 * A function bundled with the stack's settings (`infra/bundling`, shims included) and loaded as
 * Lambda loads it: a test can run the bundle itself, not only the source. The bundle has its own
 * copies of the modules (clients, caches), configured from the same environment.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { bundleFunction } from '../../infra/bundling';
import { repoRoot } from '../../infra/paths';

export const bundledHandler = async <E, R>(entry: string): Promise<(event: E, context: Context) => Promise<R>> => {
  const outDir = join(repoRoot, 'node_modules', '.cache', 'clientele-test-bundles', String(process.pid));
  const { file } = await bundleFunction(entry, outDir);
  // The bundle loads some of its chunks on first use, after this returns: its files stay until the test process ends.
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  const mod = (await import(pathToFileURL(file).href)) as { handler: (event: E, context: Context) => Promise<R> };
  return mod.handler;
};
