/**
 * Bundle size and import time of every function, bundled with the CDK stack's settings
 * (`infra/bundling`), next to a hello-world handler bundled the same way; import time is a
 * fresh `node` process loading the bundle, median of 5.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFunction, functionEntries } from '../infra/bundling';

/** Median wall time of a fresh `node` importing the file, minus nothing: the ratio to hello world is the figure. */
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

/** Bundles go inside the repository so they resolve the AWS SDK from node_modules, as Lambda's runtime provides it. */
export const coldStart = async () => {
  const outDir = join(process.cwd(), 'bench', '.bundles');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const hello = join(outDir, 'hello.ts');
  writeFileSync(hello, 'export const handler = async () => ({ statusCode: 200, body: "hello" });\n');
  const helloFile = await bundleFunction(hello, outDir);
  const helloMs = importTime(helloFile);
  const entries = functionEntries();
  const rows = [];
  for (const entry of entries) {
    const file = await bundleFunction(entry, outDir);
    const importMs = importTime(file);
    rows.push({ entry, kb: Math.round(statSync(file).size / 102.4) / 10, importMs: Math.round(importMs * 10) / 10, ratio: Math.round((importMs / helloMs) * 10) / 10 });
  }
  return { hello: { kb: Math.round(statSync(helloFile).size / 102.4) / 10, importMs: Math.round(helloMs * 10) / 10 }, functions: rows };
};
