/**
 * The one table's shape: key attributes, indexes and TTL. CDK and the local stack both create
 * the table from this; `shared/db/keys.ts` builds every key value.
 */
export const table = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  /**
   * The change stream (a Lambda event source mapping on AWS, infra/local/streams.ts locally): the
   * outbox relay reads new images, the webhook capture compares old and new (shared/webhooks).
   */
  stream: 'NEW_AND_OLD_IMAGES',
  /**
   * Every index holds keys only: a write that changes no key attribute (a counter `ADD`, an edit,
   * job progress) writes no index, and a key move is one small entry (~1 WCU). Every reader gets
   * the keys and then the items in one BatchGetItem (shared/db/index-read.ts).
   */
  indexes: [
    // Sorted listings: companies by status and lower-cased name, contacts by company and last name.
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
    // Second listing per item (all contacts by name, records by contact, unfinished jobs by due time).
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
    // Open tickets by the next SLA due time to watch (shared/sla/ticket-sla.ts): sparse, only tickets whose clock runs.
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'KEYS_ONLY' },
  ],
} as const;

export type IndexName = (typeof table.indexes)[number]['name'];
