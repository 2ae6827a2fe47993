/**
 * The one way this app defines a Lambda function: Node.js 22 on arm64, ESM bundled by esbuild
 * with `infra/bundling`'s settings (minified, code split, with source maps), explicit timeout and
 * memory, logs in its area's log group, X-Ray tracing. API routes and queue workers both come
 * through here.
 *
 * Its code is a directory: `index.mjs` (the handler, `index.handler`) and the chunks it loads,
 * at cold start or on first use. CDK's NodejsFunction writes one file (`--outfile`), which code
 * splitting cannot; so the asset is bundled here, in the CDK process, with esbuild's API.
 */
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AssetHashType, DockerImage, Duration, type BundlingOptions, type ILocalBundling } from 'aws-cdk-lib';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { ENTRY_FILE, esbuildOptions } from './bundling';
import { repoRoot } from './paths';

export interface AppFunctionProps {
  /** Handler module relative to the repository root (from the route or queue table). */
  entry: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  /** Shared by the functions of one area (their JSON lines carry `function_name`). */
  logGroup: ILogGroup;
  /** Shared by functions whose grants are identical, never wider (see infra/stack.ts). */
  role: IRole;
  /** Files to copy beside the bundle (read at run time from LAMBDA_TASK_ROOT). */
  copyFiles?: string[];
}

/** Bundles one function locally; Docker is never used (`image` is a placeholder CDK requires). */
class FunctionBundling implements BundlingOptions {
  readonly image = DockerImage.fromRegistry('dummy');
  /** Not run (bundling is local): it names what is bundled, which CDK's asset cache keys on. */
  readonly command: string[];
  readonly local: ILocalBundling;

  constructor(entry: string, copyFiles: string[]) {
    this.command = ['esbuild', entry, ...copyFiles];
    this.local = {
      tryBundle: (outputDir: string) => {
        buildSync({ ...esbuildOptions(entry, outputDir), sourcemap: true, sourcesContent: false });
        for (const f of copyFiles) copyFileSync(join(repoRoot, f), join(outputDir, basename(f)));
        return true;
      },
    };
  }
}

export class AppFunction extends Construct {
  readonly fn: LambdaFunction;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    this.fn = new LambdaFunction(this, 'Function', {
      code: Code.fromAsset(repoRoot, { assetHashType: AssetHashType.OUTPUT, bundling: new FunctionBundling(props.entry, props.copyFiles ?? []) }),
      handler: `${ENTRY_FILE.replace(/\.mjs$/, '')}.handler`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(props.timeoutSeconds),
      memorySize: props.memoryMb,
      logGroup: props.logGroup,
      role: props.role,
      tracing: Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'clientele', ...props.environment },
    });
  }
}
