/**
 * The one way this app defines a Lambda function: Node.js 22 on arm64, ESM bundled by esbuild
 * (minified, with source maps), explicit timeout and memory, logs in its area's log group,
 * X-Ray tracing. API routes and queue workers both come through here.
 */
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BANNER, EXTERNAL, MAIN_FIELDS, shimArgs, TARGET } from './bundling';
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

export class AppFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    const copy = props.copyFiles ?? [];
    const commandHooks: ICommandHooks | undefined = copy.length
      ? {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => copy.map((f) => `cp "${join(inputDir, f)}" "${outputDir}/"`),
        }
      : undefined;
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(repoRoot, props.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(props.timeoutSeconds),
      memorySize: props.memoryMb,
      logGroup: props.logGroup,
      role: props.role,
      tracing: Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'clientele', ...props.environment },
      bundling: {
        // The settings of infra/bundling, which the benchmark and the bundle tests build with too.
        format: OutputFormat.ESM,
        target: TARGET,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: MAIN_FIELDS,
        banner: BANNER,
        externalModules: EXTERNAL,
        esbuildArgs: shimArgs(),
        commandHooks,
      },
    });
  }
}
