/** Loads a handler module named in the route or queue table, as Lambda would run it. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
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
