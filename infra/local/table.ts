/**
 * Creates the one table on DynamoDB Local from `shared/db/table.ts`, as the CDK stack does on AWS,
 * with its change stream (the outbox relay reads it: infra/local/streams.ts). A table kept from an
 * older version (`npm start` keeps data in `.local`) is brought to the current shape: its stream
 * turned on, and an index whose projection changed dropped and created again (DynamoDB cannot
 * change a projection in place; DynamoDB Local fills a new index from the items at once).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type GlobalSecondaryIndex,
  type GlobalSecondaryIndexDescription,
} from '@aws-sdk/client-dynamodb';
import { table } from '../../shared/db/table';

const indexSpec = (i: (typeof table.indexes)[number]): GlobalSecondaryIndex => ({
  IndexName: i.name,
  KeySchema: [
    { AttributeName: i.partitionKey, KeyType: 'HASH' },
    { AttributeName: i.sortKey, KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: i.projection },
});

const waitForIndex = async (client: DynamoDBClient, tableName: string, name: string, done: (g: GlobalSecondaryIndexDescription | undefined) => boolean) => {
  for (let waited = 0; waited < 60_000; waited += 100) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (done(Table?.GlobalSecondaryIndexes?.find((g) => g.IndexName === name))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Index ${name} of ${tableName} did not settle within 60 s`);
};

const attributeDefinitions = () =>
  [...new Set<string>([table.partitionKey, table.sortKey, ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey])])].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const }));

/** `upgraded`: the table existed with an index of another shape, now made again (its list keys may need `backfillListBuckets`). */
export const createTable = async (endpoint: string, tableName: string): Promise<'created' | 'existed' | 'upgraded'> => {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const stream = { StreamEnabled: true, StreamViewType: table.stream };
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(),
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          { AttributeName: table.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: table.indexes.map(indexSpec),
        StreamSpecification: stream,
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }));
    return 'created';
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // A table kept from before the outbox gets its stream now; one kept from before the webhook
    // capture (new images only) gets old images too: a stream's view is changed by making it again.
    const had = Table?.StreamSpecification;
    if (had?.StreamEnabled && had.StreamViewType !== table.stream) await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
    if (!had?.StreamEnabled || had.StreamViewType !== table.stream) await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: stream }));
    let upgraded = false;
    for (const i of table.indexes) {
      const have = Table?.GlobalSecondaryIndexes?.find((g) => g.IndexName === i.name);
      if (have?.Projection?.ProjectionType === i.projection) continue;
      if (have) {
        await client.send(new UpdateTableCommand({ TableName: tableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: i.name } }] }));
        await waitForIndex(client, tableName, i.name, (g) => !g);
      }
      const { KeySchema, Projection } = indexSpec(i);
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: attributeDefinitions(),
          GlobalSecondaryIndexUpdates: [{ Create: { IndexName: i.name, KeySchema, Projection } }],
        }),
      );
      await waitForIndex(client, tableName, i.name, (g) => g?.IndexStatus === 'ACTIVE');
      upgraded = true;
    }
    return upgraded ? 'upgraded' : 'existed';
  } finally {
    client.destroy();
  }
};
