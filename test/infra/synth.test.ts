/**
 * `npx cdk synth` as an operator runs it, offline (the test run's one synthesis,
 * test/support/synth-setup.ts): esbuild bundles every function, cdk-nag runs, each bundle loads
 * in a plain `node` and exports its handler (the ESM banner works), and the vendor SDKs' bundles
 * carry infra/bundling's shims, as the benchmark measures them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionSchedules, queues } from '../../shared/queues';
import { handlerEntries } from '../../shared/routes';
import { streamConsumers } from '../../shared/streams';
import { cognitoTriggers } from '../../shared/triggers';
import { filesIn } from '../../infra/bundling';
import { synthesized } from '../support/synth';

/** The JavaScript of one function's asset: `index.mjs` and its chunks (infra/bundling splits code). */
const scriptsOf = (asset: string) => filesIn(asset).filter((f) => f.endsWith('.mjs'));

let out = '';
let log = '';
let code: number | null = null;

beforeAll(async () => {
  ({ dir: out, log, code } = await synthesized());
});

describe('cdk synth', () => {
  it('finishes with no unacknowledged cdk-nag finding', () => {
    expect(log).not.toMatch(/AwsSolutions-\w+/);
    expect(code, log.slice(-4_000)).toBe(0);
  });

  // Loads every bundle, one after the other: more than the default 30 s when the machine is busy.
  it('bundles every function into a module that loads and exports `handler`', { timeout: 120_000 }, async () => {
    const assets = readdirSync(out).filter((d) => d.startsWith('asset.'));
    const workers = queues.filter((q) => 'worker' in q).length;
    expect(assets).toHaveLength(handlerEntries().length + workers + cognitoTriggers.length + functionSchedules.length + 1 + streamConsumers.length); // + the dead-letter consumer
    for (const a of assets) {
      const mod = (await import(pathToFileURL(join(out, a, 'index.mjs')).href)) as { handler?: unknown };
      expect(typeof mod.handler, a).toBe('function');
      // The AWS SDK is bundled (infra/bundling), not left to the runtime as CDK does by default.
      for (const f of scriptsOf(join(out, a))) expect(readFileSync(f, 'utf8'), f).not.toMatch(/(?:from|import\()\s*["']@aws-sdk\//);
    }
  });

  it('bundles intuit-oauth and MSAL with the shims in place of winston, jsonwebtoken and form-data', () => {
    const bundles = readdirSync(out)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => scriptsOf(join(out, d)).map((f) => readFileSync(f, 'utf8')).join('\n'));
    const intuit = bundles.filter((b) => b.includes('oauth.platform.intuit.com'));
    const msal = bundles.filter((b) => b.includes('msal.js.node'));
    expect(intuit.length).toBeGreaterThanOrEqual(3);
    expect(msal.length).toBeGreaterThanOrEqual(3);
    for (const b of intuit) expect(b.includes('winston is not bundled') && b.includes('jsonwebtoken is not bundled') && b.includes('globalThis.FormData')).toBe(true);
    for (const b of msal) expect(b).toContain('jsonwebtoken is not bundled');
  });

  it('copies the API reference assets beside the docs function', () => {
    const docs = readdirSync(out).filter((d) => d.startsWith('asset.') && readdirSync(join(out, d)).includes('swagger-ui-bundle.js'));
    expect(docs).toHaveLength(1);
  });
});
