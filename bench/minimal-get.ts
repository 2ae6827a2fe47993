/**
 * The cold-start baseline (bench/cold-start.ts): the least a function that reads DynamoDB can
 * load, one GetItem through the document client, bundled with the stack's settings. A function's
 * init divided by this one's is what our own code and dependencies add to the unavoidable SDK.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event: { id: string }) => {
  const { Item } = await db.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: event.id, sk: event.id } }));
  return { statusCode: Item ? 200 : 404, body: JSON.stringify(Item ?? null) };
};
