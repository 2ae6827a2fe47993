/**
 * After a deploy that makes the table's stream again (README, "Upgrading a deployment to CRM
 * sync"): `TABLE_NAME=<table> npx tsx scripts/replay-outbox.ts <ISO time before the deploy>`,
 * with the stack's AWS credentials and region. Sends again the work committed since then, so
 * nothing committed while the stream was being remade is lost. Safe to run again.
 */
import { replayOutbox } from '../shared/outbox/replay';

const since = process.argv[2];
if (!since || Number.isNaN(Date.parse(since))) {
  console.error('usage: npx tsx scripts/replay-outbox.ts <ISO time, e.g. 2026-12-03T18:00:00Z>');
  process.exit(2);
}
const done = await replayOutbox(new Date(since).toISOString(), (p) => console.log(`scanned ${p.scanned} items, replayed ${p.replayed} outbox items`));
console.log(`done: ${done.replayed} outbox items written again for the relay`);
