/** aws-ses-v2-local in this process: SES v1/v2 SendEmail, a web outbox at `/`, `GET /store` for tests. */
import type { Server } from 'node:http';
import * as sesModule from 'aws-ses-v2-local';
import { closeServer, pickPort, type Engine } from './util';

type StartServer = (config: { host: string; port: number }) => Promise<Server>;
// A CommonJS module with `exports.default`: Node's ESM loader and bundlers expose it differently.
const startServer = ((sesModule as { default: unknown }).default as { default?: StartServer }).default ?? ((sesModule as { default: unknown }).default as StartServer);

export const startSes = async (opts: { port: number }): Promise<Engine> => {
  const port = await pickPort(opts.port, 'SES (aws-ses-v2-local)');
  const server = await startServer({ host: '127.0.0.1', port });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => closeServer(server),
  };
};

/** The link tokens (`?token=…`) in the outbox's emails to `to`, oldest first. */
export const outboxTokens = async (sesEndpoint: string, to: string): Promise<string[]> => {
  const mails = ((await (await fetch(`${sesEndpoint}/store`)).json()) as { emails: { destination: { to: string[] }; body: { text?: string } }[] }).emails;
  return mails
    .filter((m) => m.destination.to.includes(to))
    .map((m) => /[?&]token=([\w-]+)/.exec(m.body.text ?? '')?.[1])
    .filter((t): t is string => !!t);
};

/** Waits for an email to `to` with a link token not in `seen` (the mail worker sends asynchronously). */
export const nextOutboxToken = async (sesEndpoint: string, to: string, seen: readonly string[] = [], timeoutMs = 20_000): Promise<string> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const fresh = (await outboxTokens(sesEndpoint, to)).filter((t) => !seen.includes(t));
    if (fresh.length) return fresh[fresh.length - 1]!;
    if (Date.now() > end) throw new Error(`No new email to ${to} in the outbox`);
    await new Promise((r) => setTimeout(r, 200));
  }
};
