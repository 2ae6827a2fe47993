/** Loads a handler module named in the route or queue table, as Lambda would run it. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { AsyncLocalStorage } from 'node:async_hooks';
import { repoRoot } from '../paths';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const cache = new Map<string, Promise<LambdaHandler>>();

export const loadHandler = (entry: string): Promise<LambdaHandler> => {
  let loaded = cache.get(entry);
  if (!loaded) {
    loaded = import(pathToFileURL(resolve(repoRoot, entry)).href).then((m: { handler?: LambdaHandler }) => {
      if (typeof m.handler !== 'function') throw new Error(`${entry} exports no handler`);
      return m.handler;
    });
    cache.set(entry, loaded);
  }
  return loaded;
};

/** A Lambda context for a local invocation; the deadline is the function's timeout. */
export const localContext = (functionName: string, timeoutSeconds: number, requestId: string): Context => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

/** `functions/companies/create-company.ts` → `companies-create-company`. */
export const functionNameOf = (entry: string): string => entry.replace(/^functions\//, '').replace(/\.ts$/, '').replace(/\//g, '-');

/**
 * Lambda's runtime gives each invocation its own scope (`awslambda.InvokeStore`, over
 * AsyncLocalStorage) when one environment runs several at once (Lambda Managed Instances,
 * announced by `AWS_LAMBDA_MAX_CONCURRENCY`), and Powertools keeps its per-invocation state
 * there: the logger's Lambda context, so each line names its function, and the batch processor's
 * records. The local stack runs every function in one process, concurrently, so it plays that
 * runtime. Outside an invocation (module initialisation, tests that call a handler directly)
 * values go to one shared scope, which is what Powertools does without the store.
 */
const invocations = new AsyncLocalStorage<Record<PropertyKey, unknown>>();
const outsideInvocations: Record<PropertyKey, unknown> = {};
const REQUEST_ID = Symbol.for('_AWS_LAMBDA_REQUEST_ID');
const scope = () => invocations.getStore() ?? outsideInvocations;
const localInvokeStore = {
  getContext: () => invocations.getStore(),
  hasContext: () => invocations.getStore() !== undefined,
  get: (key: PropertyKey) => scope()[key],
  set: (key: PropertyKey, value: unknown) => void (scope()[key] = value),
  run: <T>(context: Record<PropertyKey, unknown>, fn: () => T): T => invocations.run(context, fn),
  getRequestId: () => String(scope()[REQUEST_ID] ?? '-'),
  getXRayTraceId: () => undefined,
  getTenantId: () => undefined,
};
const runtime = ((globalThis as { awslambda?: { InvokeStore?: unknown } }).awslambda ??= {});
runtime.InvokeStore ??= localInvokeStore;
process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';

/** Runs one invocation of a handler in its own invocation scope, as the Lambda runtime does. */
export const invoke = (handler: LambdaHandler, event: unknown, context: Context): Promise<unknown> =>
  localInvokeStore.run({ [REQUEST_ID]: context.awsRequestId }, () => handler(event, context));
