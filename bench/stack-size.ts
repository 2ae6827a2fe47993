/**
 * The deployed shape's size, from `cdk synth` as an operator runs it: CloudFormation resources
 * (500 is the per-stack limit), HTTP API routes, Lambda functions, and resources per route.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../infra/paths';

export interface StackSize {
  resources: number;
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
    const template = JSON.parse(readFileSync(join(dir, 'Clientele.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((r) => r.Type);
    const resources = types.length;
    const routes = types.filter((t) => t === 'AWS::ApiGatewayV2::Route').length;
    const functions = types.filter((t) => t === 'AWS::Lambda::Function').length;
    return { resources, routes, functions, resourcesPerRoute: Math.round((resources / routes) * 100) / 100 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
