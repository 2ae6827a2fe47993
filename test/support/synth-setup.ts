/**
 * The one CDK synthesis of a test run (vitest globalSetup of the `infra` project): `npx cdk synth`
 * as an operator runs it, esbuild bundling every function and cdk-nag checking the result, into a
 * temporary directory that every test/infra file reads through test/support/synth.ts.
 *
 * It is started and not awaited: bundling every function takes about a minute, and the other
 * test files run meanwhile; an infra file waits for it in its beforeAll. When it ends, the exit
 * code and the output are written to `synth.json` beside the cloud assembly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '../../infra/paths';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory holding `cdk.out` (the cloud assembly) and, once it ended, `synth.json`. */
    synthRoot: string;
  }
}

/** What `synth.json` holds. */
export interface SynthOutcome {
  code: number | null;
  log: string;
}

/** The account and region the stack test has always synthesized for (the CLI passes them to infra/app.ts). */
const ENV = { CDK_DEFAULT_ACCOUNT: '123456789012', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' };

export default function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), 'clientele-synth-'));
  const child = spawn('npx', ['cdk', 'synth', '--quiet', '--output', join(root, 'cdk.out')], {
    cwd: repoRoot,
    env: { ...process.env, ...ENV, CDK_DISABLE_VERSION_CHECK: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: npx, the CLI, tsx and esbuild end together if the run is cut short.
    detached: true,
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const ended = new Promise<void>((resolve) => {
    const write = (outcome: SynthOutcome) => {
      // Written whole, then renamed: a waiting test never reads half a file.
      writeFileSync(join(root, 'synth.json.tmp'), JSON.stringify(outcome));
      renameSync(join(root, 'synth.json.tmp'), join(root, 'synth.json'));
      resolve();
    };
    child.on('error', (err) => write({ code: null, log: `${log}\n${err.message}` }));
    child.on('close', (code) => write({ code, log }));
  });
  project.provide('synthRoot', root);

  return async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await ended;
    rmSync(root, { recursive: true, force: true });
  };
}
