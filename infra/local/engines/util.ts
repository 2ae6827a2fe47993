/** What every local engine needs: a free port, a port check, waiting until it answers, a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer } from 'node:net';

/** One line that says what went wrong and what to do; `npm start` prints just this. */
export class LocalStackError extends Error {}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

export const assertPortFree = (port: number, what: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', () => reject(new LocalStackError(`Port ${port} (${what}) is in use: stop whatever listens there (perhaps an earlier npm start) and try again.`)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });

/** A requested port, or a free one for 0; refuses a taken port with a one-line error. */
export const pickPort = async (port: number, what: string): Promise<number> => {
  if (port === 0) return freePort();
  await assertPortFree(port, what);
  return port;
};

export const waitUntil = async (what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new LocalStackError(`${what} did not start within ${timeoutMs / 1000} s.`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

export interface Child {
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Spawns a child that dies with us, keeping its last output for error messages. */
export const startChild = (command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; name: string }): Child => {
  const child = spawn(command, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // If this process dies without stopping it (an uncaught error, process.exit), take the child along.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.removeListener('exit', orphanGuard));
  return {
    process: child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
};

export interface Engine {
  endpoint: string;
  stop: () => Promise<void>;
}

/** Stops an HTTP server now: open keep-alive connections are closed rather than waited for. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
