/**
 * `npm start`: the whole system on this machine, every AWS service a real local engine.
 * `npm start -- --fresh` throws away `.local/` (data, Cognito users) first.
 * Ctrl-C stops everything. A problem it can name (no java, a port in use) is one line.
 */
// The local stack runs on Node 20; Lambda runs Node 22. The SDK's reminder of that is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths';
import { LocalStackError } from './engines/util';
import { DEMO_DESCRIPTION, seedDemo } from './seed';
import { startLocalStack } from './stack';

const args = new Set(process.argv.slice(2));
const dir = join(repoRoot, '.local');
const verbose = args.has('--verbose');

if (args.has('--help')) {
  console.log('npm start [-- --fresh] [-- --verbose]\n  --fresh    start with an empty database and new Cognito pools\n  --verbose  log every request and worker batch');
  process.exit(0);
}
if (args.has('--fresh')) rmSync(dir, { recursive: true, force: true });

const main = async () => {
  const t0 = Date.now();
  const stack = await startLocalStack({
    dir,
    ports: { api: 3000, cognito: 9229, dynamodb: 8000, ses: 8005, sqs: 9324 },
    persist: true,
    fixedCognitoIds: true,
    log: (line) => (verbose || /failed|threw/.test(line) ? console.log(line) : undefined),
  });
  const { info } = stack;
  // A demo customer with a portal contact, set up through the API like a real client (idempotent).
  const demo = await seedDemo(info).then(
    () => DEMO_DESCRIPTION,
    (err: Error) => `Portal demo not seeded: ${err.message}`,
  );
  const pad = (s: string) => s.padEnd(16);
  console.log(
    [
      '',
      `Clientele is running (${((Date.now() - t0) / 1000).toFixed(1)} s). Ctrl-C stops everything.`,
      '',
      `  ${pad('API')}${info.apiUrl}`,
      `  ${pad('API reference')}${info.apiUrl}/docs`,
      `  ${pad('Mail outbox')}${info.ses.outboxUrl}`,
      `  ${pad('Cognito')}${info.cognito.endpoint}  staff ${info.cognito.staff.userPoolId} / ${info.cognito.staff.clientId}, portal ${info.cognito.portal.userPoolId} / ${info.cognito.portal.clientId}`,
      `  ${pad('DynamoDB')}${info.dynamodb.endpoint}  table ${info.dynamodb.tableName} (data in .local/dynamodb)`,
      `  ${pad('SQS')}${info.sqs.endpoint}`,
      `  ${pad('QuickBooks')}${info.quickbooks.url}  (fake Intuit: connect via GET /v1/integrations/quickbooks/connect)`,
      `  ${pad('Microsoft 365')}${info.m365.url}  (fake Entra and Graph: demo partner with 3 customer tenants)`,
      `  ${pad('Stack file')}.local/stack.json`,
      '',
      `  Staff logins (password ${info.users[0]?.password}):`,
      ...info.users.map((u) => `    ${u.email.padEnd(34)}${u.groups.join(', ')}`),
      '',
      `  ${demo}`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping…');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', shutdown);
};

main().catch((err: unknown) => {
  console.error(err instanceof LocalStackError ? `npm start: ${err.message}` : `npm start failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
