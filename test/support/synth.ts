/**
 * The test run's one CDK synthesis (started by test/support/synth-setup.ts), for the test/infra
 * files: the cloud assembly's directory, the CLI's output, the templates (the root stack's and its
 * nested stacks', apart and as one) and cdk-nag's findings. Waits for the synthesis to end; read
 * once per file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import type { SynthOutcome } from './synth-setup';

/** A CloudFormation template as JSON (the parts read here). */
export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown>; [k: string]: unknown }>;
  Parameters?: Record<string, unknown>;
  Outputs?: Record<string, { Value: unknown }>;
  [k: string]: unknown;
}

/** One template of the deployment: the root stack's, or a nested stack's. */
export interface StackTemplate {
  /** `Clientele`, or the nested stack's resource's logical id in its parent (`BackgroundNestedStack…`). */
  name: string;
  /** Its file in the cloud assembly (a nested stack's: `<id>.nested.template.json`). */
  file: string;
  json: TemplateJson;
}

export interface Synthesis {
  /** The cloud assembly (`cdk.out`): templates, manifests and one `asset.*` directory per bundle. */
  dir: string;
  /** `cdk synth`'s exit code (null: it did not start, or was killed). */
  code: number | null;
  /** What `cdk synth` printed (esbuild, cdk-nag, annotations). */
  log: string;
  /** Every template, the root stack's first: what CloudFormation's per-stack limits apply to. */
  stacks: StackTemplate[];
  /**
   * The templates as one (`oneTemplate`): the nested stacks' resources beside the root's, their
   * parameters replaced by what the root passes and the root's reads of their outputs by the
   * outputs' values, so references read as if everything were one stack.
   */
  template: Template;
  /** cdk-nag's unacknowledged findings, `<rule> <construct paths>` (its validation report). */
  violations: string[];
}

const NESTED_STACK = 'AWS::CloudFormation::Stack';

/** The nested stacks' templates, by their resources in `parent` (the CLI records each file in the resource's metadata). */
const nestedOf = (dir: string, parent: TemplateJson): StackTemplate[] => {
  const resources = Object.entries(parent.Resources).filter(([, r]) => r.Type === NESTED_STACK);
  const files = readdirSync(dir).filter((f) => f.endsWith('.nested.template.json'));
  return resources.map(([name, r]) => {
    const recorded = r.Metadata?.['aws:asset:path'];
    const file = typeof recorded === 'string' ? recorded : files.length === 1 && resources.length === 1 ? files[0]! : undefined;
    if (!file || !existsSync(join(dir, file))) throw new Error(`No template for the nested stack ${name} in ${dir} (${files.join(', ')})`);
    return { name, file, json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as TemplateJson };
  });
};

/** `value` with every node `replace` answers for replaced (deeply). */
const rewrite = (value: unknown, replace: (node: Record<string, unknown>) => unknown): unknown => {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, replace));
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  const replaced = replace(node);
  if (replaced !== undefined) return replaced;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rewrite(v, replace)]));
};

/**
 * One template of the root and its nested stacks (one level, which is what the app has): a nested
 * stack's `{ Ref: <parameter> }` becomes the value its parent passes it, and the parent's
 * `{ "Fn::GetAtt": [<nested stack>, "Outputs.<name>"] }` the output's value. A logical id in two
 * templates is an error (the union would hide one).
 */
export const oneTemplate = (root: TemplateJson, nested: StackTemplate[]): TemplateJson => {
  const resources: TemplateJson['Resources'] = {};
  const outputs = new Map<string, Record<string, unknown>>();
  for (const n of nested) {
    const passed = (root.Resources[n.name]!.Properties?.Parameters ?? {}) as Record<string, unknown>;
    const params = new Set(Object.keys(n.json.Parameters ?? {}));
    const resolved = rewrite(n.json, (node) => {
      const ref = node.Ref;
      if (typeof ref !== 'string' || !params.has(ref)) return undefined;
      if (!(ref in passed)) throw new Error(`The root stack passes nothing for ${n.name}'s parameter ${ref}`);
      return passed[ref];
    }) as TemplateJson;
    for (const [name, o] of Object.entries(resolved.Outputs ?? {})) outputs.set(`${n.name} Outputs.${name}`, o.Value as Record<string, unknown>);
    for (const [id, r] of Object.entries(resolved.Resources)) {
      if (r.Type === 'AWS::CDK::Metadata') continue; // CDK's version report, if a nested stack has one too
      if (id in root.Resources || id in resources) throw new Error(`${id} is in two templates`);
      resources[id] = r;
    }
  }
  const rootResolved = rewrite(root, (node) => {
    const att = node['Fn::GetAtt'];
    if (!Array.isArray(att) || typeof att[1] !== 'string' || !att[1].startsWith('Outputs.')) return undefined;
    const value = outputs.get(`${att[0]} ${att[1]}`);
    if (!value) throw new Error(`No output ${att[1]} of ${att[0]}`);
    return value;
  }) as TemplateJson;
  return { ...rootResolved, Resources: { ...rootResolved.Resources, ...resources } };
};

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
  const rootJson = JSON.parse(readFileSync(templateFile, 'utf8')) as TemplateJson;
  const nested = nestedOf(dir, rootJson);
  return {
    dir,
    code,
    log,
    stacks: [{ name: 'Clientele', file: 'Clientele.template.json', json: rootJson }, ...nested],
    template: Template.fromJSON(oneTemplate(rootJson, nested)),
    violations: report.pluginReports.flatMap((p) => p.violations.map((v) => `${v.ruleName} ${v.violatingConstructs.map((c) => c.constructPath).join(',')}`)),
  };
};

let synthesis: Promise<Synthesis> | undefined;
export const synthesized = (): Promise<Synthesis> => (synthesis ??= read());
