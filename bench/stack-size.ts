/**
 * The deployed shape's size, from `cdk synth` as an operator runs it: CloudFormation resources
 * (500 is the per-stack limit), HTTP API routes, Lambda functions, and resources per route. The
 * background functions are a nested stack (`*.nested.template.json`): the figures count every
 * template, and `rootResources` the root stack's alone (the routes' stack, the one the limit binds).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../infra/paths';

export interface StackSize {
  /** In every template, the root stack's and the nested stacks'. */
  resources: number;
  /** In the root stack's template. */
  rootResources?: number;
  routes: number;
  functions: number;
  resourcesPerRoute: number;
}

export const stackSize = async (): Promise<StackSize> => {
  const dir = mkdtempSync(join(tmpdir(), 'clientele-bench-synth-'));
  try {
    await new Promise<void>((resolve, reject) =>
      execFile('npx', ['cdk', 'synth', '--quiet', '--output', dir], {
        cwd: repoRoot,
        env: { ...process.env, CDK_DEFAULT_ACCOUNT: '123456789012', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1', CDK_DISABLE_VERSION_CHECK: 'true' },
        maxBuffer: 64 << 20,
      }, (err, _out, stderr) => (err ? reject(new Error(`cdk synth failed: ${stderr.slice(-2000)}`)) : resolve())),
    );
    const read = (file: string) => Object.values((JSON.parse(readFileSync(join(dir, file), 'utf8')) as { Resources: Record<string, { Type: string }> }).Resources).map((r) => r.Type);
    const root = read('Clientele.template.json');
    const types = [...root, ...readdirSync(dir).filter((f) => f.endsWith('.nested.template.json')).flatMap(read)];
    const resources = types.length;
    const routes = types.filter((t) => t === 'AWS::ApiGatewayV2::Route').length;
    const functions = types.filter((t) => t === 'AWS::Lambda::Function').length;
    return { resources, rootResources: root.length, routes, functions, resourcesPerRoute: Math.round((resources / routes) * 100) / 100 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
