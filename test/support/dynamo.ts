/**
 * A real DynamoDB Local for integration tests: in memory, on a free port, with a table made from
 * `shared/db/table.ts`, and this process's environment pointed at it.
 */
import { randomBytes } from 'node:crypto';
import { startDynamoDb } from '../../infra/local/engines/dynamodb';
import { createTable } from '../../infra/local/table';
import { resetSecrets } from '../../shared/crypto/secrets';
import { resetSigningKey } from '../../shared/crypto/signing';
import { resetDbClient } from '../../shared/db/client';
import { ENV, resetEnvCache } from '../../shared/env';

export interface TestDynamo {
  endpoint: string;
  tableName: string;
  stop: () => Promise<void>;
}

export const startDynamo = async (): Promise<TestDynamo> => {
  const engine = await startDynamoDb({ port: 0 });
  const tableName = `clientele-test-${randomBytes(4).toString('hex')}`;
  await createTable(engine.endpoint, tableName);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
    [ENV.TABLE_NAME]: tableName,
    [ENV.SIGNING_KEY]: randomBytes(32).toString('base64url'),
    [ENV.OUTBOX_KEY]: randomBytes(32).toString('base64url'),
    [ENV.WEBHOOK_KEY]: randomBytes(32).toString('base64url'),
    [ENV.WEBHOOK_ALLOW_LOOPBACK]: '1',
  });
  resetEnvCache();
  resetDbClient();
  resetSigningKey();
  resetSecrets();
  return { endpoint: engine.endpoint, tableName, stop: engine.stop };
};
