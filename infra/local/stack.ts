/**
 * The whole system on one machine: DynamoDB Local, cognito-local, aws-ses-v2-local, fauxqs
 * (every queue with its dead-letter queue) and the fake QuickBooks Online, the table, the local gateway on the route table,
 * the outbox relay on the table's stream and the workers on their queues. Handlers run in this process with the environment a Lambda
 * function gets on AWS, pointed at the local engines by the SDK's `AWS_ENDPOINT_URL_*`.
 * `npm start` (infra/local/start.ts) and the end-to-end tests both start it from here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resetSecrets } from '../../shared/crypto/secrets';
import { resetSigningKey } from '../../shared/crypto/signing';
import { resetDbClient } from '../../shared/db/client';
import { ENV, queueUrlEnv, resetEnvCache } from '../../shared/env';
import { resetMailClient } from '../../shared/mail/mail.service';
import { resetQueueClient } from '../../shared/queue/send';
import { resetPortalUsersClient } from '../../shared/portal/portal-users';
import { resetStaffDirectory } from '../../shared/staff/staff-directory';
import { queues } from '../../shared/queues';
import { startCognito, type PoolIds, type SeededUser } from './engines/cognito';
import { startFakeQuickBooks } from './fakes/quickbooks';
import { fillTenant, stableId, startFakeMicrosoft, type FakeMicrosoft } from './fakes/microsoft';
import { resetGraphClients } from '../../shared/m365/m365.client';
import { startDynamoDb } from './engines/dynamodb';
import { startSes } from './engines/ses';
import { startSqs } from './engines/sqs';
import { pickPort, type Engine } from './engines/util';
import { startGateway } from './gateway';
import { startLambdaEndpoint } from './lambda';
import { startStreamReaders } from './streams';
import { createTable } from './table';
import { backfillListBuckets } from '../../shared/db/list-bucket-backfill';
import { backfillOutstandingBalances, OUTSTANDING_BALANCE_MIGRATION } from '../../shared/invoices/outstanding-balance-backfill';
import { ACTIVE_CONTACTS_MIGRATION, backfillActiveContacts, PORTAL_CONTACTS_MIGRATION } from '../../shared/contacts/active-contacts-backfill';
import { migrationDone, recordMigration } from '../../shared/db/migrations';
import { startWorkers } from './workers';

/** The data migrations `npm start` runs once on a table kept from before (shared/db/migrations.ts), after the list buckets' backfill. */
const migrations = [
  {
    name: OUTSTANDING_BALANCE_MIGRATION,
    run: async () => `Invoices from before the outstanding balances: ${await backfillOutstandingBalances()} counted`,
  },
  {
    name: ACTIVE_CONTACTS_MIGRATION,
    run: async () => {
      const done = await backfillActiveContacts();
      return `Contacts from before the active-contacts counter: ${done.marked} marked, ${done.counted} counted as active`;
    },
  },
  {
    name: PORTAL_CONTACTS_MIGRATION,
    run: async () => {
      const done = await backfillActiveContacts(undefined, PORTAL_CONTACTS_MIGRATION);
      return `Contacts from before the portal-contacts counter: ${done.marked} marked`;
    },
  },
];

/** `.local/stack.json`, in the shape API.md documents. */
export interface StackInfo {
  apiUrl: string;
  region: string;
  cognito: { endpoint: string; staff: PoolIds; portal: PoolIds };
  dynamodb: { endpoint: string; tableName: string };
  sqs: { endpoint: string };
  ses: { endpoint: string; outboxUrl: string };
  users: SeededUser[];
  /** The fake QuickBooks Online (OAuth and v3 API) the functions talk to. */
  quickbooks: { url: string };
  /** The fake Microsoft (Entra login, admin consent, Graph) with a demo partner and its customer tenants. */
  m365: { url: string; partnerTenantId: string };
}

export interface LocalStackOptions {
  /** Where state lives: `.local` for `npm start`, a temporary directory in tests. */
  dir: string;
  /** 0 picks a free port. */
  ports: { api: number; cognito: number; dynamodb: number; ses: number; sqs: number; quickbooks?: number };
  /** Keep DynamoDB data in `<dir>/dynamodb` between restarts (else in memory). */
  persist: boolean;
  /** Give the Cognito pools and clients fixed ids (so a frontend's settings survive restarts). */
  fixedCognitoIds: boolean;
  tableName?: string;
  /** Drive the workers from their queues and the stream consumers beside the relay (default true; the benchmark runs them by hand). The outbox relay always runs. */
  workers?: boolean;
  /** Apply the route table's throttling at the gateway (default true, as on AWS). */
  throttle?: boolean;
  log?: (line: string) => void;
}

export interface LocalStack {
  info: StackInfo;
  /** Resolves once the outbox relay has queued everything committed so far (the benchmark drives workers by hand). */
  flushOutbox: () => Promise<void>;
  stop: () => Promise<void>;
}

const REGION = 'us-east-1';

/** A key kept with the data (`<dir>/<name>.key`), made on first start, so what it signed or sealed survives a restart. */
const localKey = (dir: string, name: string): string => {
  const file = join(dir, `${name}.key`);
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
};

/** The signing key for cursors and links. */
const signingKey = (dir: string): string => localKey(dir, 'signing');

/** The local QuickBooks app the fake knows (not a secret: it only opens the fake). */
const LOCAL_QUICKBOOKS_APP = { clientId: 'clientele-local', clientSecret: 'clientele-local-secret' };

/** The local Microsoft 365 app the fake knows (not a secret: it only opens the fake). */
const LOCAL_M365_APP = { clientId: '6f1c2c4e-0d5b-4b1e-9a6e-0c11e47e1e01', clientSecret: 'clientele-local-m365-secret', partnerTenantId: '00000000-0000-4000-8000-00000000c1e7' };

/** A demo partner with three customer tenants, so consent, tenant import and sync can be tried locally; the same ids on every start. */
export const startDemoMicrosoft = async (): Promise<FakeMicrosoft> => {
  const fake = await startFakeMicrosoft(LOCAL_M365_APP);
  fake.addTenant({ id: LOCAL_M365_APP.partnerTenantId, displayName: 'Clientele Demo MSP', defaultDomainName: 'demomsp.onmicrosoft.com' });
  for (const [displayName, domain, users, devices] of [
    ['Contoso Ltd', 'contoso.onmicrosoft.com', 25, 12],
    ['Fabrikam Inc', 'fabrikam.onmicrosoft.com', 12, 6],
    ['Adventure Works', 'adventureworks.onmicrosoft.com', 40, 20],
  ] as const) {
    const id = fake.addTenant({ id: stableId(`tenant/${domain}`), displayName, defaultDomainName: domain });
    fillTenant(fake, id, domain, users, devices);
  }
  return fake;
};

/** The environment a deployed function gets, pointed at the local engines. */
const applyEnvironment = (info: StackInfo, queueUrls: Record<string, string>, key: string, apiUrl: string, dir: string) => {
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: info.dynamodb.endpoint,
    AWS_ENDPOINT_URL_SQS: info.sqs.endpoint,
    AWS_ENDPOINT_URL_SES: info.ses.endpoint,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: info.cognito.endpoint,
    [ENV.TABLE_NAME]: info.dynamodb.tableName,
    [ENV.SIGNING_KEY]: key,
    [ENV.STAFF_USER_POOL_ID]: info.cognito.staff.userPoolId,
    [ENV.STAFF_CLIENT_ID]: info.cognito.staff.clientId,
    [ENV.PORTAL_USER_POOL_ID]: info.cognito.portal.userPoolId,
    [ENV.PORTAL_CLIENT_ID]: info.cognito.portal.clientId,
    [ENV.MAIL_FROM]: 'Clientele <no-reply@clientele.local>',
    [ENV.PORTAL_URL]: `${apiUrl}/portal`,
    [ENV.QUICKBOOKS_CLIENT_ID]: LOCAL_QUICKBOOKS_APP.clientId,
    [ENV.QUICKBOOKS_CLIENT_SECRET]: LOCAL_QUICKBOOKS_APP.clientSecret,
    [ENV.QUICKBOOKS_ENVIRONMENT]: 'sandbox',
    [ENV.QUICKBOOKS_REDIRECT_URI]: `${apiUrl}/v1/public/quickbooks/callback`,
    [ENV.QUICKBOOKS_FAKE_URL]: info.quickbooks.url,
    // The key that encrypts stored OAuth tokens, and the one that seals outbox messages holding set-up links.
    [ENV.ENCRYPTION_KEY]: localKey(dir, 'encryption'),
    [ENV.OUTBOX_KEY]: localKey(dir, 'outbox'),
    [ENV.WEBHOOK_KEY]: localKey(dir, 'webhook'),
    // The local stack's webhooks may point at a receiver on this machine (API.md: http://127.0.0.1, http://localhost).
    [ENV.WEBHOOK_ALLOW_LOOPBACK]: '1',
    [ENV.M365_CLIENT_ID]: LOCAL_M365_APP.clientId,
    [ENV.M365_CLIENT_SECRET]: LOCAL_M365_APP.clientSecret,
    [ENV.M365_PARTNER_TENANT_ID]: info.m365.partnerTenantId,
    [ENV.M365_REDIRECT_URI]: `${apiUrl}/v1/public/m365/callback`,
    [ENV.M365_FAKE_URL]: info.m365.url,
    ...Object.fromEntries(queues.map((q) => [queueUrlEnv(q.name), queueUrls[q.name]])),
  });
  delete process.env[ENV.SIGNING_SECRET_ARN];
  delete process.env[ENV.QUICKBOOKS_CLIENT_SECRET_ARN];
  delete process.env[ENV.ENCRYPTION_SECRET_ARN];
  delete process.env[ENV.OUTBOX_SECRET_ARN];
  delete process.env[ENV.WEBHOOK_SECRET_ARN];
  delete process.env[ENV.M365_CLIENT_SECRET_ARN];
  resetEnvCache();
  resetDbClient();
  resetQueueClient();
  resetMailClient();
  resetPortalUsersClient();
  resetStaffDirectory();
  resetSigningKey();
  resetSecrets();
  resetGraphClients();
};

export const startLocalStack = async (opts: LocalStackOptions): Promise<LocalStack> => {
  mkdirSync(opts.dir, { recursive: true });
  const started: { stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    started.length = 0;
  };
  const track = <T extends { stop: () => Promise<void> }>(p: Promise<T>) => p.then((e) => (started.push(e), e));
  try {
    const apiPort = await pickPort(opts.ports.api, 'API gateway');
    // Cognito calls the portal triggers through this endpoint, as it calls Lambda on AWS.
    const lambda = await track(startLambdaEndpoint(opts.log));
    const cognitoConfig = {
      LambdaClient: { endpoint: lambda.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
      TriggerFunctions: lambda.triggerFunctions,
    };
    // In parallel; wait for all to settle so a failure leaves no engine running untracked.
    const engines = [
      track(startDynamoDb({ port: opts.ports.dynamodb, dataDir: opts.persist ? join(opts.dir, 'dynamodb') : undefined })),
      track(startCognito({ port: opts.ports.cognito, stateDir: opts.dir, fixedIds: opts.fixedCognitoIds, config: cognitoConfig })),
      track<Engine>(startSes({ port: opts.ports.ses })),
      track(startSqs({ port: opts.ports.sqs })),
      // Kept beside the database, so QuickBooks stays connected and its customers stay linked across restarts.
      track(startFakeQuickBooks({ port: opts.ports.quickbooks ?? 0, ...LOCAL_QUICKBOOKS_APP, stateFile: opts.persist ? join(opts.dir, 'quickbooks.json') : undefined })),
      track(startDemoMicrosoft()),
    ] as const;
    const failed = (await Promise.allSettled(engines)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [dynamodb, cognito, ses, sqs, quickbooks, microsoft] = await Promise.all(engines);
    const tableName = opts.tableName ?? 'clientele';
    const tableState = await createTable(dynamodb.endpoint, tableName);

    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const info: StackInfo = {
      apiUrl,
      region: REGION,
      cognito: { endpoint: cognito.endpoint, staff: cognito.staff, portal: cognito.portal },
      dynamodb: { endpoint: dynamodb.endpoint, tableName },
      sqs: { endpoint: sqs.endpoint },
      ses: { endpoint: ses.endpoint, outboxUrl: `${ses.endpoint}/` },
      users: cognito.users,
      quickbooks: { url: quickbooks.url },
      m365: { url: microsoft.url, partnerTenantId: LOCAL_M365_APP.partnerTenantId },
    };
    applyEnvironment(info, sqs.queueUrls, signingKey(opts.dir), apiUrl, opts.dir);
    // A table kept from before the keys-only indexes: its list entries move into their buckets (README, upgrading).
    if (tableState === 'upgraded') {
      const moved = await backfillListBuckets();
      opts.log?.(`Table upgraded to keys-only indexes; ${moved} list entries moved into their buckets`);
    }
    // Backfills of counters added later (README, upgrading): each once on a table kept from before; a new table has nothing to count.
    for (const m of migrations) {
      if (tableState === 'created') await recordMigration(m.name);
      else if (!(await migrationDone(m.name))) opts.log?.(await m.run());
    }

    // The outbox relay (shared/streams.ts) on DynamoDB Local's stream; with persisted data it resumes where it stopped.
    const relay = startStreamReaders({ endpoint: dynamodb.endpoint, region: REGION, tableName, checkpointDir: opts.persist ? opts.dir : undefined, consumers: opts.workers === false ? ['outbox-relay'] : undefined, log: opts.log });
    started.push(relay);
    await track(startGateway({ port: apiPort, cognitoEndpoint: cognito.endpoint, pools: { staff: cognito.staff, portal: cognito.portal }, throttle: opts.throttle, log: opts.log }));
    if (opts.workers !== false) started.push(startWorkers({ endpoint: sqs.endpoint, region: REGION, queueUrls: sqs.queueUrls, log: opts.log }));
    writeFileSync(join(opts.dir, 'stack.json'), `${JSON.stringify(info, null, 2)}\n`);
    return { info, flushOutbox: relay.flush, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
};
