/** aws-ses-v2-local in this process: SES v1/v2 SendEmail, a web outbox at `/`, `GET /store` for tests. */
import type { Server } from 'node:http';
import * as sesModule from 'aws-ses-v2-local';
import { pickPort, type Engine } from './util';

type StartServer = (config: { host: string; port: number }) => Promise<Server>;
// A CommonJS module with `exports.default`: Node's ESM loader and bundlers expose it differently.
const startServer = ((sesModule as { default: unknown }).default as { default?: StartServer }).default ?? ((sesModule as { default: unknown }).default as StartServer);

export const startSes = async (opts: { port: number }): Promise<Engine> => {
  const port = await pickPort(opts.port, 'SES (aws-ses-v2-local)');
  const server = await startServer({ host: '127.0.0.1', port });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};
