/**
 * One-off, after deploying the contact search index: `TABLE_NAME=<table> npx tsx scripts/backfill-contact-search.ts`
 * (with the AWS credentials and region of the stack; locally add AWS_ENDPOINT_URL_DYNAMODB).
 */
import { backfillContactSearch } from '../shared/contacts/contact-search-backfill';

const total = await backfillContactSearch((n) => console.log(`indexed ${n} contacts`));
console.log(`done: ${total} contacts indexed`);
