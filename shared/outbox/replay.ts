/**
 * Replays outbox items committed since a time: for the seconds a stream is being made again
 * (changing its view type, as CRM sync did), when a commit reaches no stream record. Each item
 * is written again as a copy under `OUTBOX#<id>#REPLAY` with the same id, message and seal: an
 * insert the relay reads and sends with the same `outboxId`. Consumers are idempotent, so an item
 * the relay did send is harmless to send again. An operator's tool (scripts/replay-outbox.ts): it
 * scans the table, once.
 */
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { db, tableName } from '../db/client';
import { OUTBOX_TYPE } from '../streams';

const REPLAY_SUFFIX = '#REPLAY';

export const replayOutbox = async (since: string, onProgress?: (p: { scanned: number; replayed: number }) => void): Promise<{ scanned: number; replayed: number }> => {
  const progress = { scanned: 0, replayed: 0 };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new ScanCommand({
        TableName: tableName(),
        FilterExpression: '#type = :outbox AND createdAt >= :since',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':outbox': OUTBOX_TYPE, ':since': since },
        ExclusiveStartKey: start,
      }),
    );
    progress.scanned += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) {
      if (String(item.pk).endsWith(REPLAY_SUFFIX)) continue;
      try {
        await db().send(new PutCommand({ TableName: tableName(), Item: { ...item, pk: `${String(item.pk)}${REPLAY_SUFFIX}` }, ConditionExpression: 'attribute_not_exists(pk)' }));
        progress.replayed++;
      } catch (err) {
        // Replayed by an earlier run.
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    onProgress?.(progress);
    start = page.LastEvaluatedKey;
  } while (start);
  return progress;
};
