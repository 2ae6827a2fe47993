/**
 * One-off, right after deploying the `activeContacts` counter, and again after issue 17's
 * `portalContacts` (it marks and counts whichever of the two a contact lacks) (and before the next billing run,
 * which bills `per_user` lines from it; README, "Upgrading a deployment to the active-contacts
 * counter"): `TABLE_NAME=<table> npx tsx scripts/backfill-active-contacts.ts` (with the AWS
 * credentials and region of the stack; locally add AWS_ENDPOINT_URL_DYNAMODB, though `npm start`
 * runs it itself on a table from before). Safe to run again, and while the API runs.
 */
import { backfillActiveContacts, PORTAL_CONTACTS_MIGRATION } from '../shared/contacts/active-contacts-backfill';

// Recorded as the newer migration: a run sets every marker a contact lacks, the older one's too.
const total = await backfillActiveContacts((p) => console.log(`read ${p.read} contacts, marked ${p.marked}, ${p.counted} of them active`), PORTAL_CONTACTS_MIGRATION);
console.log(`done: ${total.marked} contacts marked, ${total.counted} added to their companies' activeContacts (and the portal ones to portalContacts)`);
