/**
 * Bundle sizes and init time of every function, bundled with the CDK stack's settings
 * (`infra/bundling`: AWS SDK clients bundled, code split), next to the minimal handler doing one
 * GetItem (`bench/minimal-get.ts`) bundled the same way. Init is a fresh `node` process importing
 * the function's `index.mjs` (the module's evaluation, with the chunks it imports statically: what
 * Lambda's init runs). Each function is timed back to back with the minimal handler, alternating,
 * `RUNS` times each: its ratio is the median of its times over the median of the minimal
 * handler's in the same stretch, so a load that comes and goes on a shared machine moves both.
 * Sizes: what the function loads at init (`index.mjs` and its static chunks) and all its files.
 *
 * An area function loads a route's module on the route's first request (functions/dispatch.ts),
 * so its init is not all a cold request waits for: for each area function the bench also times
 * init followed by the load of its largest route module (with the chunks that brings: the HTTP
 * handling, zod, Powertools, the DynamoDB client), i.e. the code a cold request to that route
 * runs before the route's own work, against the minimal handler's init in the same stretch.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { bundleFunction, functionEntries, type BundledFunction } from '../infra/bundling';
import { apiFunctions } from '../shared/routes';

/** The goal for a function's init over the minimal GetItem handler's. */
export const COLD_START_GOAL = 1.2;
export const BASELINE_ENTRY = 'bench/minimal-get.ts';
/** Imports of each function (and as many of the minimal handler beside it). */
export const RUNS = 9;

/** Wall time of a fresh `node` importing the file (and then the second, if given: a route module's chunk after its function's entry). */
const importTime = (file: string, then?: string): number => {
  const script = `const t=performance.now(); await import(${JSON.stringify(file)}); ${then ? `await import(${JSON.stringify(then)}); ` : ''}console.log(performance.now()-t)`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return Number(out.toString().trim().split('\n').at(-1));
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;
const round = (n: number) => Math.round(n * 10) / 10;
const sizes = (b: BundledFunction) => ({ initKb: kb(b.initBytes), totalKb: kb(b.totalBytes) });

export const coldStart = async () => {
  const outDir = join(process.cwd(), 'bench', '.bundles');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const loadBefore = loadavg()[0]!;
  const baseline = await bundleFunction(BASELINE_ENTRY, outDir);
  const baselineTimes: number[] = [];
  const rows = [];
  for (const entry of functionEntries()) {
    const bundled = await bundleFunction(entry, outDir);
    const mine: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      theirs.push(importTime(baseline.file));
      mine.push(importTime(bundled.file));
    }
    baselineTimes.push(...theirs);
    const ratio = (xs: number[], ys: number[]) => Math.round((median(xs) / median(ys)) * 100) / 100;
    const row = { entry, ...sizes(bundled), importMs: round(median(mine)), baselineMs: round(median(theirs)), ratio: ratio(mine, theirs) };
    const served = apiFunctions().find((f) => f.entry === entry && f.area)?.routes.map((r) => r.handler);
    const largest = served && bundled.lazy.filter((l) => served.includes(l.module)).sort((a, b) => b.bytes - a.bytes)[0];
    if (!largest) {
      rows.push(row);
      continue;
    }
    const withRoute: number[] = [];
    const theirs2: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      theirs2.push(importTime(baseline.file));
      withRoute.push(importTime(bundled.file, largest.file));
    }
    baselineTimes.push(...theirs2);
    rows.push({ ...row, firstRoute: { module: largest.module, kb: kb(largest.bytes), ms: round(median(withRoute)), baselineMs: round(median(theirs2)), ratio: ratio(withRoute, theirs2) } });
  }
  rmSync(outDir, { recursive: true, force: true });
  // The machine's 1-minute load average before and after: the figures are noisier the higher it is.
  const load = [round(loadBefore), round(loadavg()[0]!)];
  return { date: new Date().toISOString(), runs: RUNS, load, baseline: { entry: BASELINE_ENTRY, ...sizes(baseline), importMs: round(median(baselineTimes)) }, goal: COLD_START_GOAL, functions: rows };
};
