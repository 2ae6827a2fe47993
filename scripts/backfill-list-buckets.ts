/**
 * One-off, after deploying the list buckets (issue 15; README, "Upgrading a deployment to keys-only
 * indexes"): `TABLE_NAME=<table> npx tsx scripts/backfill-list-buckets.ts` (with the AWS credentials
 * and region of the stack; locally add AWS_ENDPOINT_URL_DYNAMODB, though `npm start` runs it itself
 * when it upgrades an old table). Safe to run again, and while the API runs.
 */
import { backfillListBuckets } from '../shared/db/list-bucket-backfill';

const total = await backfillListBuckets((partition, n) => console.log(`${partition}: ${n} moved into buckets`));
console.log(`done: ${total} list entries moved`);
