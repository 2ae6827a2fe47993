/**
 * The one table's shape: key attributes, indexes and TTL. CDK and the local stack both create
 * the table from this; `shared/db/keys.ts` builds every key value.
 */
export const table = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  /** The change stream the outbox relay reads (a Lambda event source mapping on AWS, infra/local/streams.ts locally); new images suffice. */
  stream: 'NEW_IMAGE',
  indexes: [
    // Sorted listings: companies by status and lower-cased name, contacts by company and last name.
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    // Second listing per item (e.g. contacts by status, records by contact).
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;

export type IndexName = (typeof table.indexes)[number]['name'];
