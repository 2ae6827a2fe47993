/**
 * One-off data migrations (backfills) of a deployment: each records, when it has run to its end,
 * a `MIGRATION#<name>` item, so `npm start` runs each once on a table kept from before, and marks
 * a new table (which has nothing to migrate) done at once. The scripts in `scripts/` run them
 * against a deployed table; every backfill is safe to run again and while the API runs.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from './client';
import { keys } from './keys';

/** True once the migration has run to its end on this table. */
export const migrationDone = async (name: string): Promise<boolean> =>
  Boolean((await db().send(new GetCommand({ TableName: tableName(), Key: keys.migration(name), ConsistentRead: true }))).Item);

/** Records the migration as done, with what it did. */
export const recordMigration = async (name: string, done: Record<string, number> = {}): Promise<void> => {
  await db().send(new PutCommand({ TableName: tableName(), Item: { ...keys.migration(name), type: 'Migration', completedAt: new Date().toISOString(), ...done } }));
};
