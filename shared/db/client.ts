/**
 * The DynamoDB document client and the table name, created once per container. Endpoints come
 * from the SDK's own configuration (`AWS_ENDPOINT_URL_DYNAMODB` locally).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, requireEnv } from '../env';
import { SDK_MAX_ATTEMPTS } from './retry';

let client: DynamoDBDocumentClient | undefined;

export const db = (): DynamoDBDocumentClient =>
  (client ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS }), {
    marshallOptions: { removeUndefinedValues: true },
  }));

export const tableName = (): string => requireEnv(ENV.TABLE_NAME);

/** Tests and the local stack point the client at another engine between runs. */
export const resetDbClient = (): void => {
  client?.destroy();
  client = undefined;
};
