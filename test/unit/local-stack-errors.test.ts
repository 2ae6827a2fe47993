/** `npm start`'s one-line errors for what a developer can fix: a port in use, no Java. */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkJava } from '../../infra/local/engines/dynamodb';
import { LocalStackError, pickPort } from '../../infra/local/engines/util';

describe('local stack start-up errors', () => {
  it('names the port in use and what to do', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const { port } = srv.address() as { port: number };
    try {
      const err = await pickPort(port, 'DynamoDB Local').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalStackError);
      expect((err as Error).message).toBe(`Port ${port} (DynamoDB Local) is in use: stop whatever listens there (perhaps an earlier npm start) and try again.`);
    } finally {
      srv.close();
    }
  });

  it('says how to install Java when `java` is missing', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => checkJava()).toThrow(/Java 17\+ is needed for DynamoDB Local.*apt-get install openjdk-17-jre-headless/);
    } finally {
      process.env.PATH = path;
    }
  });
});
