/**
 * A local Lambda Invoke endpoint (`POST /2015-03-31/functions/<name>/invocations`) for the
 * Cognito triggers in `shared/triggers.ts`, which cognito-local calls as AWS Cognito calls
 * Lambda. A handler that throws answers like Lambda: `X-Amz-Function-Error: Unhandled` and
 * `{ errorMessage, errorType }`, which Cognito turns into the login's refusal.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scrub } from '../../shared/logger';
import { cognitoTriggers } from '../../shared/triggers';
import { functionNameOf, invoke, loadHandler, localContext } from './handlers';
import { closeServer } from './engines/util';

/** The triggers cognito-local can run (it has no PreAuthentication). */
const LOCAL_TRIGGERS = new Set(['PreTokenGeneration']);

export interface LambdaEndpoint {
  endpoint: string;
  /** cognito-local's `TriggerFunctions` setting. */
  triggerFunctions: Record<string, string>;
  stop: () => Promise<void>;
}

export const startLambdaEndpoint = async (log?: (line: string) => void): Promise<LambdaEndpoint> => {
  const byName = new Map(cognitoTriggers.map((t) => [functionNameOf(t.handler), t]));
  const server: Server = createServer((req, res) => {
    const name = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '')?.[1];
    const trigger = name ? byName.get(decodeURIComponent(name)) : undefined;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (!trigger) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
        res.end(JSON.stringify({ message: `Function not found: ${name}` }));
        return;
      }
      try {
        const handler = await loadHandler(trigger.handler);
        const result = await invoke(handler, JSON.parse(Buffer.concat(chunks).toString('utf8')), localContext(name!, 5, randomUUID()));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      } catch (err) {
        log?.(`[${name}] refused: ${scrub((err as Error).message)}`);
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
        res.end(JSON.stringify({ errorMessage: (err as Error).message, errorType: (err as Error).name }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    triggerFunctions: Object.fromEntries(cognitoTriggers.filter((t) => LOCAL_TRIGGERS.has(t.trigger)).map((t) => [t.trigger, functionNameOf(t.handler)])),
    stop: () => closeServer(server),
  };
};
