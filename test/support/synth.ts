/**
 * The test run's one CDK synthesis (started by test/support/synth-setup.ts), for the test/infra
 * files: the cloud assembly's directory, the CLI's output, the stack's template and cdk-nag's
 * findings. Waits for the synthesis to end; read once per file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import type { SynthOutcome } from './synth-setup';

export interface Synthesis {
  /** The cloud assembly (`cdk.out`): templates, manifests and one `asset.*` directory per bundle. */
  dir: string;
  /** `cdk synth`'s exit code (null: it did not start, or was killed). */
  code: number | null;
  /** What `cdk synth` printed (esbuild, cdk-nag, annotations). */
  log: string;
  template: Template;
  /** cdk-nag's unacknowledged findings, `<rule> <construct paths>` (its validation report). */
  violations: string[];
}

interface ValidationReport {
  pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

const read = async (): Promise<Synthesis> => {
  const root = inject('synthRoot');
  const outcomeFile = join(root, 'synth.json');
  while (!existsSync(outcomeFile)) await sleep(250);
  const { code, log } = JSON.parse(readFileSync(outcomeFile, 'utf8')) as SynthOutcome;
  const dir = join(root, 'cdk.out');
  const templateFile = join(dir, 'Clientele.template.json');
  // A cdk-nag finding fails the synthesis after the template is written: the tests still read it, and say which finding.
  if (!existsSync(templateFile)) throw new Error(`cdk synth ended with ${code} and wrote no template:\n${log}`);
  const reportFile = join(dir, 'validation-report.json');
  const report: ValidationReport = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : { pluginReports: [] };
  return {
    dir,
    code,
    log,
    template: Template.fromJSON(JSON.parse(readFileSync(templateFile, 'utf8'))),
    violations: report.pluginReports.flatMap((p) => p.violations.map((v) => `${v.ruleName} ${v.violatingConstructs.map((c) => c.constructPath).join(',')}`)),
  };
};

let synthesis: Promise<Synthesis> | undefined;
export const synthesized = (): Promise<Synthesis> => (synthesis ??= read());
