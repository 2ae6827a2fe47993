/**
 * One-off, after deploying the companies' `outstandingBalance` (issue 16; README, "Upgrading a
 * deployment"): `TABLE_NAME=<table> npx tsx scripts/backfill-outstanding-balances.ts` (with the AWS
 * credentials and region of the stack; locally `npm start` runs it itself). Counts every invoice
 * written before the owed counters existed; safe to run again, and while the API runs.
 */
import { backfillOutstandingBalances } from '../shared/invoices/outstanding-balance-backfill';

const total = await backfillOutstandingBalances((companyId, n) => console.log(`${companyId ?? 'no company'}: ${n} invoices counted`));
console.log(`done: ${total} invoices counted (a second run counts none)`);
