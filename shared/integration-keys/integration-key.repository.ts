/**
 * Integration key items (`INTEGRATIONKEY#<id>`, listed on GSI1 in creation order). Only the
 * secret's SHA-256 is stored: the key has 256 random bits, so a hash is enough and the table
 * never holds a usable key.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { db, tableName } from '../db/client';
import { readIndexPage } from '../db/index-read';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { NotFoundError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import type { IntegrationKey } from './integration-key.schema';

export type StoredIntegrationKey = IntegrationKey & { secretHash: string };

const toItem = (k: StoredIntegrationKey) => ({ ...keys.integrationKey(k.id), ...keys.integrationKeyList(k.id), type: 'IntegrationKey', ...k });
const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, type: _t, ...rest }: Record<string, unknown>) => rest as unknown as StoredIntegrationKey;

export const toIntegrationKey = ({ secretHash: _h, ...k }: StoredIntegrationKey): IntegrationKey => k;

export const getIntegrationKey = async (id: string): Promise<StoredIntegrationKey | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.integrationKey(id), ConsistentRead: true }));
  return out.Item ? fromItem(out.Item) : undefined;
};

export const listIntegrationKeys = async (limit: number, cursor?: string): Promise<Page<StoredIntegrationKey>> => {
  const listing = 'integration-keys';
  const out = await readIndexPage({ index: 'gsi1', partitions: [keys.integrationKeyListPartition] }, limit, await decodeCursor(listing, cursor));
  return { items: out.items.map(fromItem), nextCursor: await encodeCursor(listing, out.next) };
};

export const putNewIntegrationKey = (k: StoredIntegrationKey): TxItem => ({ item: { Put: { TableName: tableName(), Item: toItem(k), ConditionExpression: 'attribute_not_exists(pk)' } } });

/** Revokes the key, once: a second revoke keeps the first time. */
export const revokeIntegrationKeyItem = (id: string, at: string): TxItem => ({
  item: { Update: updateItem(keys.integrationKey(id), { set: { revokedAt: at } }, { expression: 'attribute_exists(pk) AND revokedAt = :null', values: { ':null': null } }) },
  onConditionFailed: (old) => (old ? new AlreadyRevoked() : new NotFoundError('integration key')),
});

export class AlreadyRevoked extends Error {}

/** Notes a use, at most once per `everyMs` (a tool posting every minute writes every 5 minutes, not every time). */
export const touchIntegrationKey = async (id: string, now: Date, everyMs: number): Promise<void> => {
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.integrationKey(id),
        UpdateExpression: 'SET lastUsedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND (lastUsedAt = :null OR lastUsedAt < :before)',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':null': null, ':before': new Date(now.getTime() - everyMs).toISOString() },
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
};
