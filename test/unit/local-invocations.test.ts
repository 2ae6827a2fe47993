/**
 * Locally every function runs in one process, and invocations overlap (a worker batch while an
 * API request runs). Each runs in its own invocation scope (infra/local/handlers.ts `invoke`), as
 * Lambda's runtime scopes concurrent invocations, so a log line names the function that wrote it
 * even when another function started in between.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { invoke, localContext } from '../../infra/local/handlers';
import { logger } from '../../shared/logger';

afterEach(() => vi.restoreAllMocks());

/** A function that logs once before and once after `gate` opens, as a handler awaiting I/O does. */
const loggingHandler = (gate: Promise<void>) =>
  middy<unknown, void>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async () => {
      logger.warn('before');
      await gate;
      logger.warn('after');
    });

const captured = () => {
  const lines: { function_name?: string; message: string; function_request_id?: string }[] = [];
  // Warnings go to stderr; capture both streams.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string) => {
      for (const l of String(chunk).split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l));
      return true;
    }) as typeof stream.write);
  }
  return lines;
};

describe('local invocations', () => {
  it('keep each overlapping invocation\'s function name on its own log lines', async () => {
    const lines = captured();
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const first = invoke(loggingHandler(gate), {}, localContext('imports-run-import', 10, 'req-1'));
    // A second function starts while the first waits, as an API request does during a worker batch.
    const second = invoke(loggingHandler(Promise.resolve()), {}, localContext('imports-create-import', 10, 'req-2'));
    await second;
    open();
    await first;
    const of = (id: string) => lines.filter((l) => l.function_request_id === id).map((l) => `${l.message}:${l.function_name}`);
    expect(of('req-1')).toEqual(['before:imports-run-import', 'after:imports-run-import']);
    expect(of('req-2')).toEqual(['before:imports-create-import', 'after:imports-create-import']);
  });

  it('leave a handler called directly, outside any invocation, working as before', async () => {
    const lines = captured();
    await loggingHandler(Promise.resolve())({}, localContext('direct', 10, 'req-3') as Context);
    expect(lines.map((l) => l.function_name)).toEqual(['direct', 'direct']);
  });
});
