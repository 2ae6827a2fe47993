/**
 * Bundle size and init time of every function, bundled with the CDK stack's settings
 * (`infra/bundling`, AWS SDK clients bundled), next to the minimal handler doing one GetItem
 * (`bench/minimal-get.ts`) bundled the same way: init is a fresh `node` process importing the
 * bundle, median of 5; the ratio to the minimal handler is the figure (goal ≤ 1.2).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFunction, functionEntries } from '../infra/bundling';

/** The goal for a function's init over the minimal GetItem handler's. */
export const COLD_START_GOAL = 1.2;
export const BASELINE_ENTRY = 'bench/minimal-get.ts';

/** Median wall time of a fresh `node` importing the file (the module's evaluation: what Lambda's init runs). */
const importTime = (file: string): number => {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const t=performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now()-t)`], {
      cwd: process.cwd(),
    });
    times.push(Number(out.toString().trim()));
  }
  return times.sort((a, b) => a - b)[2]!;
};

const kb = (file: string) => Math.round(statSync(file).size / 102.4) / 10;
const round = (n: number) => Math.round(n * 10) / 10;

export const coldStart = async () => {
  const outDir = join(process.cwd(), 'bench', '.bundles');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const baselineFile = await bundleFunction(BASELINE_ENTRY, outDir);
  const baseline = { entry: BASELINE_ENTRY, kb: kb(baselineFile), importMs: round(importTime(baselineFile)) };
  const rows = [];
  for (const entry of functionEntries()) {
    const file = await bundleFunction(entry, outDir);
    const importMs = importTime(file);
    rows.push({ entry, kb: kb(file), importMs: round(importMs), ratio: Math.round((importMs / baseline.importMs) * 100) / 100 });
  }
  rmSync(outDir, { recursive: true, force: true });
  return { date: new Date().toISOString(), baseline, goal: COLD_START_GOAL, functions: rows };
};
