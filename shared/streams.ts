/**
 * Consumers of the table's change stream, as data: the CDK stack gives each a Lambda event
 * source mapping with this filter and these retry settings, and the local stack
 * (infra/local/streams.ts) reads DynamoDB Local's stream, applies the same filter and calls the
 * same handler.
 */
import { QUEUE_NAMES, type QueueName } from './queues';
import type { TableAccess } from './routes';

/**
 * A Lambda event filter pattern (the subset the local reader implements: nested objects whose
 * leaves list the exact values allowed). DynamoDB records are matched in their AttributeValue
 * form, as Lambda matches them.
 */
export interface FilterPattern {
  [field: string]: readonly string[] | FilterPattern;
}

export interface StreamConsumerDef {
  name: string;
  /** Handler module, relative to the repository root; it exports `handler` (DynamoDBStreamEvent → DynamoDBBatchResponse). */
  handler: string;
  /** Only records matching this pattern reach the handler; the others are skipped, as Lambda does. */
  filter: FilterPattern;
  batchSize: number;
  /** Attempts after the first before a batch goes to the on-failure destination. */
  retryAttempts: number;
  /** A failing batch is split in two and retried, until the failing record is alone. */
  bisectBatchOnError: boolean;
  /** A record older than this goes to the on-failure destination unprocessed (the stream keeps 24 h). */
  maxRecordAgeSeconds: number;
  timeoutSeconds: number;
  memoryMb: number;
  /** Queues it sends to (the relay only; the others queue through the outbox). */
  queues: readonly QueueName[];
  /** What it may do with the table. */
  table: TableAccess;
  purpose: string;
}

/** The `type` of an outbox item (shared/outbox), which the relay's filter selects. */
export const OUTBOX_TYPE = 'Outbox';

export const streamConsumers = [
  {
    name: 'outbox-relay',
    handler: 'functions/outbox/relay.ts',
    filter: { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: [OUTBOX_TYPE] } } } },
    batchSize: 100,
    retryAttempts: 10,
    bisectBatchOnError: true,
    maxRecordAgeSeconds: 24 * 60 * 60,
    timeoutSeconds: 60,
    memoryMb: 256,
    queues: QUEUE_NAMES,
    table: 'none',
    purpose: 'Queues each outbox item (work that follows a commit) on its queue',
  },
  {
    // Company, contact and contract items by their sort key (`COMPANY`, …), whatever the change: a REMOVE has no new image to filter on.
    name: 'webhook-capture',
    handler: 'functions/webhooks/capture-changes.ts',
    filter: { dynamodb: { Keys: { sk: { S: ['COMPANY', 'CONTACT', 'CONTRACT'] } } } }, // = CHANGE_ITEM_SORT_KEYS (shared/webhooks/change-events.ts)
    batchSize: 100,
    retryAttempts: 10,
    bisectBatchOnError: true,
    maxRecordAgeSeconds: 24 * 60 * 60,
    timeoutSeconds: 60,
    memoryMb: 256,
    queues: [],
    table: 'write',
    purpose: "Turns each company, contact and contract change into a delivery for every webhook that subscribes to it, with its first attempt's outbox message",
  },
] as const satisfies readonly StreamConsumerDef[];
