/**
 * `npm run bench`: measures, in one run and against the physical limit of the same machine
 * (the raw DynamoDB round trip), what the handbook asks: DynamoDB requests per API call for
 * every route, latency through the local gateway next to raw GetItem/Query, import and
 * Microsoft 365 sync throughput, bundle size and cold start. It starts its own engines, prints
 * a table, and writes bench/results.json and docs/benchmarks.md. It never fails on a figure.
 */
import './quiet';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ulid } from 'ulid';
import { fillTenant, startFakeMicrosoft } from '../infra/local/fakes/microsoft';
import { loadHandler, localContext } from '../infra/local/handlers';
import { nextOutboxToken, outboxTokens } from '../infra/local/engines/ses';
import { startLocalStack, type StackInfo } from '../infra/local/stack';
import { db, tableName } from '../shared/db/client';
import { keys } from '../shared/db/keys';
import { putNewContact } from '../shared/contacts/contact.repository';
import { createContactBody } from '../shared/contacts/contact.schema';
import { newContact } from '../shared/contacts/contact.service';
import { recordKinds } from '../shared/records/record.schema';
import { createContractBody } from '../shared/billing/contract.schema';
import { changeContractState, createContract } from '../shared/contracts/contract.service';
import { ENV, queueUrlEnv, resetEnvCache } from '../shared/env';
import { resetGraphClients } from '../shared/m365/m365.client';
import { resetSecrets } from '../shared/crypto/secrets';
import { runSync } from '../shared/m365/m365-sync';
import { queues, type QueueName } from '../shared/queues';
import { routeKeyOf, routes } from '../shared/routes';
import { coldStart } from './cold-start';
import { markStream, partitionsSince } from './partitions';
import { stackSize } from './stack-size';
import { ms, percentile, tallyDb } from './measure';

const out: Record<string, unknown> = {};
const log = (s: string) => console.log(s);

/**
 * Machine and date beside the figures, bench/results.json and docs/benchmarks.md written, the
 * summary printed. A partial run (`--only`) keeps the full run's date and machine; its own
 * section carries its date.
 */
const finish = async (full = true): Promise<never> => {
  if (full) out.machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 1024 ** 3), node: process.version, platform: `${process.platform} ${process.arch}` };
  if (full) out.date = new Date().toISOString();
  writeFileSync('bench/results.json', `${JSON.stringify(out, null, 2)}\n`);
  const { renderReport } = await import('./report');
  writeFileSync('docs/benchmarks.md', renderReport(out));
  console.log(renderReport(out).split('\n## How')[0]);
  process.exit(0);
};

// `npm run bench -- --only cold-start`: section 5 alone (no engines, a minute or two), the other sections kept from the last bench/results.json;
// `--only stack`: the stack's size; `--only api`: sections 1 and 2 on a fresh stack.
const only = process.argv[process.argv.indexOf('--only') + 1];
if (process.argv.includes('--only')) {
  if (only !== 'cold-start' && only !== 'stack' && only !== 'api') throw new Error(`--only takes cold-start, stack or api, not ${only}`);
  Object.assign(out, JSON.parse(readFileSync('bench/results.json', 'utf8')) as Record<string, unknown>);
  // `--only api`: sections 1 and 2 (requests per route, latency) on a fresh stack, a few minutes; they carry their own date.
  if (only === 'api') log('Sections 1 and 2 only…');
  else {
    if (only === 'cold-start') {
      log('Bundling every function…');
      out.coldStart = await coldStart();
    } else {
      log('Synthesizing the stack…');
      out.stack = await stackSize();
    }
    await finish(false);
  }
}

// ── the stack and a client ──────────────────────────────────────────────────────────────
const dir = mkdtempSync(join(tmpdir(), 'clientele-bench-'));
const stack = await startLocalStack({ dir, ports: { api: 0, cognito: 0, dynamodb: 0, ses: 0, sqs: 0 }, persist: false, fixedCognitoIds: false, workers: false, throttle: false });
const info: StackInfo = stack.info;
const counter = tallyDb();
const sqs = new SQSClient({ endpoint: info.sqs.endpoint, region: info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });

const login = async (email: string, password: string, pool: 'staff' | 'portal') => {
  const cognito = new CognitoIdentityProviderClient({ endpoint: info.cognito.endpoint, region: info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const r = await cognito.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: info.cognito[pool].clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }));
  return r.AuthenticationResult!.IdToken!;
};
const staffUser = (g: string) => info.users.find((u) => u.groups[0] === g)!;
const tokens = { admin: await login(staffUser('Admin').email, staffUser('Admin').password, 'staff'), superadmin: await login(staffUser('SuperAdmin').email, staffUser('SuperAdmin').password, 'staff'), portal: '' };

/**
 * The API client: node:http with keep-alive, the HTTP stack the AWS SDK uses for the raw round
 * trips, so both sides of a latency ratio pay the same client cost in this shared process
 * (fetch costs about a third more CPU per call here, which the API side alone would pay).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const http = (method: string, path: string, opts: { token?: string; body?: unknown; contentType?: string } = {}) =>
  new Promise<{ status: number; body: any }>((resolve, reject) => {
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const req = request(
      `${info.apiUrl}${path}`,
      {
        method,
        agent,
        headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(body !== undefined ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: /json/.test(res.headers['content-type'] ?? '') && text ? JSON.parse(text) : text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });

/** Runs a queue's worker on what the queue holds, as Lambda would (workers are driven by hand here). */
const drain = async (queue: QueueName) => {
  const q = queues.find((x) => x.name === queue)!;
  if (!('worker' in q)) return;
  const handler = await loadHandler(q.worker.handler);
  const QueueUrl = process.env[queueUrlEnv(queue)]!;
  await stack.flushOutbox(); // what was committed reaches its queue through the outbox relay
  for (;;) {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!got.Messages?.length) return;
    const event = { Records: got.Messages.map((m) => ({ messageId: m.MessageId, receiptHandle: m.ReceiptHandle, body: m.Body, attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, eventSource: 'aws:sqs' })) };
    await handler(event, localContext('bench', q.worker.timeoutSeconds, ulid()));
    for (const m of got.Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
  }
};

// ── realistic data ──────────────────────────────────────────────────────────────────────
log('Seeding data…');
const companyIds: string[] = [];
for (let i = 0; i < 200; i++) companyIds.push((await http('POST', '/v1/companies', { token: tokens.admin, body: { name: `Bench Customer ${String(i).padStart(3, '0')}`, primaryDomain: `customer${i}.example`, tags: ['bench'] } })).body.id);
const home = companyIds[0]!;
const contactIds: string[] = [];
for (let i = 0; i < 40; i++) contactIds.push((await http('POST', '/v1/contacts', { token: tokens.admin, body: { firstName: `Pat${i}`, lastName: `Lee${i}`, email: `pat${i}@customer0.example`, companyId: home } })).body.id);
const ticketIds: string[] = [];
for (let i = 0; i < 60; i++) ticketIds.push((await http('POST', '/v1/tickets', { token: tokens.admin, body: { companyId: home, contactId: contactIds[i % 10], subject: `Issue ${i}`, priority: 'medium' } })).body.id);
const assetId = (await http('POST', '/v1/assets', { token: tokens.admin, body: { companyId: home, name: 'LAPTOP-1', kind: 'computer' } })).body.id;
const invoiceId = (await http('POST', '/v1/invoices', { token: tokens.admin, body: { companyId: home, number: 'INV-1', total: '100.00', balance: '0.00', status: 'paid' } })).body.id;
const addressId = (await http('POST', `/v1/companies/${home}/addresses`, { token: tokens.admin, body: { line1: '1 High St', city: 'Leeds', country: 'GB', isBilling: true } })).body.id;
// A portal contact, set up as a client would: invite, the emailed link, set-up, login.
const portalEmail = 'portal.user@customer0.example';
const portalContact = (await http('POST', '/v1/contacts', { token: tokens.admin, body: { firstName: 'Portal', lastName: 'User', email: portalEmail, companyId: home, sendInvite: true } })).body.id;
await drain('mail');
const setupToken = await nextOutboxToken(info.ses.endpoint, portalEmail);
await http('POST', '/v1/public/portal/setup', { body: { token: setupToken, password: 'Bench-Pa55word!' } });
tokens.portal = await login(portalEmail, 'Bench-Pa55word!', 'portal');

// ── 1. DynamoDB requests per API call ───────────────────────────────────────────────────
log('Counting DynamoDB requests per route…');
type Scenario = { method: string; path: string | (() => Promise<string> | string); token?: string; body?: unknown | (() => Promise<unknown>); contentType?: string; note?: string };
let n = 0;
const fresh = async () => (await http('POST', '/v1/companies', { token: tokens.admin, body: { name: `Scratch ${++n} ${ulid()}` } })).body.id as string;
const freshContact = async () => (await http('POST', '/v1/contacts', { token: tokens.admin, body: { firstName: 'Tmp', lastName: `Tmp${++n}`, email: `tmp${n}.${ulid().toLowerCase()}@customer0.example`, companyId: home } })).body.id as string;
const archivedCompany = async () => {
  const id = await fresh();
  await http('POST', `/v1/companies/${id}/archive`, { token: tokens.admin, body: {} });
  return id;
};
let deletable = '';
let importId = '';
const scenarios: Record<string, Scenario> = {
  'POST /v1/companies': { method: 'POST', path: '/v1/companies', token: tokens.admin, body: () => Promise.resolve({ name: `New ${ulid()}` }) },
  'GET /v1/companies': { method: 'GET', path: '/v1/companies?q=bench%20customer%2001', token: tokens.admin },
  'GET /v1/companies/{id}': { method: 'GET', path: `/v1/companies/${home}`, token: tokens.admin },
  'PATCH /v1/companies/{id}': { method: 'PATCH', path: `/v1/companies/${home}`, token: tokens.admin, body: () => Promise.resolve({ notes: `note ${ulid()}` }) },
  'GET /v1/companies/{id}/audit': { method: 'GET', path: `/v1/companies/${home}/audit`, token: tokens.admin },
  'GET /v1/audit': { method: 'GET', path: `/v1/audit?companyId=${home}`, token: tokens.admin },
  'PUT /v1/companies/{id}/primary-contact': { method: 'PUT', path: `/v1/companies/${home}/primary-contact`, token: tokens.admin, body: () => Promise.resolve({ contactId: contactIds[(++n % 30) + 5] }) },
  'POST /v1/companies/{id}/archive': { method: 'POST', path: async () => `/v1/companies/${await fresh()}/archive`, token: tokens.admin, body: { reason: 'bench' } },
  'POST /v1/companies/{id}/restore': { method: 'POST', path: async () => `/v1/companies/${await archivedCompany()}/restore`, token: tokens.admin },
  'GET /v1/companies/{id}/deletion-preview': { method: 'GET', path: `/v1/companies/${home}/deletion-preview`, token: tokens.admin, note: 'one COUNT query per kind of related record' },
  'DELETE /v1/companies/{id}': {
    method: 'DELETE',
    path: async () => {
      deletable = await archivedCompany();
      return `/v1/companies/${deletable}`;
    },
    token: tokens.superadmin,
    body: async () => ({ confirmName: (await http('GET', `/v1/companies/${deletable}`, { token: tokens.admin })).body.name }),
    note: 'preview reads, then one transaction',
  },
  'GET /v1/jobs/{id}': { method: 'GET', path: async () => `/v1/jobs/${(await http('DELETE', `/v1/companies/${(deletable = await archivedCompany())}`, { token: tokens.superadmin, body: { confirmName: (await http('GET', `/v1/companies/${deletable}`, { token: tokens.admin })).body.name } })).body.unassignJob.id}`, token: tokens.admin },
  'GET /v1/companies/{id}/compliance-organization': { method: 'GET', path: async () => { const id = await fresh(); await http('POST', `/v1/companies/${id}/compliance-organization`, { token: tokens.admin }); return `/v1/companies/${id}/compliance-organization`; }, token: tokens.admin },
  'POST /v1/companies/{id}/compliance-organization': { method: 'POST', path: async () => `/v1/companies/${await fresh()}/compliance-organization`, token: tokens.admin },
  'POST /v1/companies/{id}/compliance-organization/archive': { method: 'POST', path: async () => { const id = await fresh(); await http('POST', `/v1/companies/${id}/compliance-organization`, { token: tokens.admin }); return `/v1/companies/${id}/compliance-organization/archive`; }, token: tokens.admin },
  'GET /v1/integrations/quickbooks/connect': { method: 'GET', path: '/v1/integrations/quickbooks/connect', token: tokens.admin },
  'GET /v1/public/quickbooks/callback': {
    method: 'GET',
    path: async () => {
      const url = (await http('GET', '/v1/integrations/quickbooks/connect', { token: tokens.admin })).body.url as string;
      const u = new URL(url);
      const res = await fetch(`${u.origin}${u.pathname}/approve${u.search}`, { redirect: 'manual' });
      const back = new URL(res.headers.get('location')!);
      return `${back.pathname}${back.search}`;
    },
  },
  'POST /v1/companies/{id}/quickbooks/link': { method: 'POST', path: async () => `/v1/companies/${await fresh()}/quickbooks/link`, token: tokens.admin, body: {} },
  'GET /v1/imports/templates/{template}': { method: 'GET', path: '/v1/imports/templates/contacts.csv', token: tokens.admin },
  'POST /v1/imports': { method: 'POST', path: '/v1/imports?type=contacts', token: tokens.admin, body: 'firstName,lastName,email\nA,B,ab@example.com\n', contentType: 'text/csv', note: 'the file in chunks (BatchWriteItem; up to 10 MB, more than a transaction holds), then the job (one conditional PutItem), which commits the upload; chunks without a job expire' },
  'GET /v1/imports/{id}': { method: 'GET', path: async () => `/v1/imports/${(importId = (await http('POST', '/v1/imports?type=contacts', { token: tokens.admin, body: 'firstName,lastName,email\nA,B,ab2@example.com\n', contentType: 'text/csv' })).body.id)}`, token: tokens.admin },
  'GET /v1/imports/{id}/errors.csv': { method: 'GET', path: () => `/v1/imports/${importId}/errors.csv`, token: tokens.admin, note: 'job + error pages' },
  'GET /v1/integrations/m365/consent-url': { method: 'GET', path: `/v1/integrations/m365/consent-url?companyId=${home}`, token: tokens.admin },
  'GET /v1/public/m365/callback': {
    method: 'GET',
    path: async () => {
      const company = await fresh();
      const url = new URL((await http('GET', `/v1/integrations/m365/consent-url?companyId=${company}`, { token: tokens.admin })).body.url);
      const tenants = (await http('GET', '/v1/integrations/m365/tenants', { token: tokens.admin })).body.items.filter((t: { companyId: string | null }) => !t.companyId);
      return `/v1/public/m365/callback?${new URLSearchParams({ tenant: tenants[0].tenantId, admin_consent: 'True', state: url.searchParams.get('state')! })}`;
    },
  },
  'GET /v1/integrations/m365/tenants': { method: 'GET', path: '/v1/integrations/m365/tenants', token: tokens.admin, note: 'batch read of the tenant guards' },
  'POST /v1/integrations/m365/tenants/import': {
    method: 'POST',
    path: '/v1/integrations/m365/tenants/import',
    token: tokens.admin,
    body: async () => ({ tenantIds: [(await http('GET', '/v1/integrations/m365/tenants', { token: tokens.admin })).body.items.find((t: { companyId: string | null }) => !t.companyId).tenantId] }),
  },
  'POST /v1/companies/{id}/m365/sync': { method: 'POST', path: async () => { const t = (await http('GET', '/v1/integrations/m365/tenants', { token: tokens.admin })).body.items.find((x: { companyId: string | null }) => x.companyId); await drain('m365-sync'); return `/v1/companies/${t.companyId}/m365/sync`; }, token: tokens.admin },
  'GET /v1/sync-jobs/{id}': { method: 'GET', path: async () => { const t = (await http('GET', '/v1/integrations/m365/tenants', { token: tokens.admin })).body.items.find((x: { companyId: string | null }) => x.companyId); return `/v1/sync-jobs/${(await http('POST', `/v1/companies/${t.companyId}/m365/sync`, { token: tokens.admin })).body.jobId}`; }, token: tokens.admin },
  'GET /v1/companies/{id}/addresses': { method: 'GET', path: `/v1/companies/${home}/addresses`, token: tokens.admin },
  'POST /v1/companies/{id}/addresses': { method: 'POST', path: `/v1/companies/${home}/addresses`, token: tokens.admin, body: { line1: '2 Low St', city: 'York', country: 'GB', isSite: true } },
  'PATCH /v1/companies/{id}/addresses/{addressId}': { method: 'PATCH', path: `/v1/companies/${home}/addresses/${addressId}`, token: tokens.admin, body: () => Promise.resolve({ label: `HQ ${ulid()}` }) },
  'DELETE /v1/companies/{id}/addresses/{addressId}': { method: 'DELETE', path: async () => `/v1/companies/${home}/addresses/${(await http('POST', `/v1/companies/${home}/addresses`, { token: tokens.admin, body: { line1: 'x', city: 'y', country: 'GB' } })).body.id}`, token: tokens.admin },
  'POST /v1/contacts': { method: 'POST', path: '/v1/contacts', token: tokens.admin, body: () => Promise.resolve({ firstName: 'New', lastName: 'Contact', email: `new.${ulid().toLowerCase()}@customer0.example`, companyId: home }) },
  'GET /v1/contacts': { method: 'GET', path: `/v1/contacts?companyId=${home}`, token: tokens.admin },
  'GET /v1/companies/{id}/contacts': { method: 'GET', path: `/v1/companies/${home}/contacts`, token: tokens.admin },
  'GET /v1/contacts/{id}': { method: 'GET', path: `/v1/contacts/${contactIds[1]}`, token: tokens.admin },
  'PATCH /v1/contacts/{id}': { method: 'PATCH', path: `/v1/contacts/${contactIds[2]}`, token: tokens.admin, body: () => Promise.resolve({ title: `Title ${ulid()}` }) },
  'DELETE /v1/contacts/{id}': { method: 'DELETE', path: async () => `/v1/contacts/${await freshContact()}`, token: tokens.admin, note: 'unlink records (none), then one transaction' },
  'POST /v1/contacts/{id}/invite': { method: 'POST', path: async () => `/v1/contacts/${await freshContact()}/invite`, token: tokens.admin, note: 'reads, Cognito user, one transaction, queue' },
  'POST /v1/contacts/{id}/password-reset': { method: 'POST', path: `/v1/contacts/${portalContact}/password-reset`, token: tokens.admin },
  'POST /v1/contacts/{id}/deactivate': { method: 'POST', path: async () => `/v1/contacts/${await freshContact()}/deactivate`, token: tokens.admin },
  'POST /v1/contacts/{id}/activate': { method: 'POST', path: async () => { const id = await freshContact(); await http('POST', `/v1/contacts/${id}/deactivate`, { token: tokens.admin }); return `/v1/contacts/${id}/activate`; }, token: tokens.admin },
  'GET /v1/tickets/{id}/comments': { method: 'GET', path: `/v1/tickets/${ticketIds[0]}/comments`, token: tokens.admin },
  'POST /v1/tickets/{id}/comments': { method: 'POST', path: `/v1/tickets/${ticketIds[0]}/comments`, token: tokens.admin, body: { body: 'Looking into it', visibility: 'public' } },
  'POST /v1/public/portal/setup': {
    method: 'POST',
    path: '/v1/public/portal/setup',
    body: async () => {
      await http('POST', `/v1/contacts/${portalContact}/password-reset`, { token: tokens.admin });
      await drain('mail');
      const sent = await outboxTokens(info.ses.endpoint, portalEmail);
      return { token: sent[sent.length - 1], password: 'Bench-Pa55word!' };
    },
  },
  'POST /v1/public/portal/password-reset': { method: 'POST', path: '/v1/public/portal/password-reset', body: { email: portalEmail } },
  'GET /v1/portal/me': { method: 'GET', path: '/v1/portal/me', token: '@portal' },
  'GET /v1/portal/tickets': { method: 'GET', path: '/v1/portal/tickets', token: '@portal' },
  'POST /v1/portal/tickets': { method: 'POST', path: '/v1/portal/tickets', token: '@portal', body: { subject: 'Printer', description: 'It jams', priority: 'low' } },
  'GET /v1/portal/tickets/{id}': { method: 'GET', path: `/v1/portal/tickets/${ticketIds[1]}`, token: '@portal' },
  'POST /v1/portal/tickets/{id}/comments': { method: 'POST', path: `/v1/portal/tickets/${ticketIds[1]}/comments`, token: '@portal', body: { body: 'Any news?' } },
  'GET /v1/portal/invoices': { method: 'GET', path: '/v1/portal/invoices', token: '@portal' },
  'GET /v1/openapi.json': { method: 'GET', path: '/v1/openapi.json' },
  'GET /docs': { method: 'GET', path: '/docs' },
  'GET /docs/{asset}': { method: 'GET', path: '/docs/swagger-ui.css' },
};
// Contracts, time entries and billing runs (issue 16): one active contract of the home company to log time against.
const contractBody = () => ({ name: `Managed ${ulid()}`, type: 'block_hours', startDate: '2026-01-01', includedHours: 10, overageRate: '150.00', lineItems: [{ description: 'Block', kind: 'fixed', unitPrice: '900.00' }] });
const newContract = async (activate = true) => {
  const id = (await http('POST', `/v1/companies/${home}/contracts`, { token: tokens.admin, body: contractBody() })).body.id as string;
  if (activate) await http('POST', `/v1/contracts/${id}/activate`, { token: tokens.admin });
  return id;
};
const benchContract = await newContract();
const logEntry = async () => (await http('POST', `/v1/tickets/${ticketIds[0]}/time-entries`, { token: tokens.admin, body: { date: '2026-01-05', minutes: 30, contractId: benchContract } })).body.id as string;
await logEntry();
Object.assign(scenarios, {
  'GET /v1/companies/{id}/contracts': { method: 'GET', path: `/v1/companies/${home}/contracts`, token: tokens.admin },
  'POST /v1/companies/{id}/contracts': { method: 'POST', path: `/v1/companies/${home}/contracts`, token: tokens.admin, body: () => Promise.resolve(contractBody()) },
  'GET /v1/contracts': { method: 'GET', path: '/v1/contracts?status=active', token: tokens.admin },
  'GET /v1/contracts/renewals': { method: 'GET', path: '/v1/contracts/renewals?withinDays=60', token: tokens.admin },
  'GET /v1/contracts/{id}': { method: 'GET', path: `/v1/contracts/${benchContract}`, token: tokens.admin },
  'PATCH /v1/contracts/{id}': { method: 'PATCH', path: async () => `/v1/contracts/${await newContract(false)}`, token: tokens.admin, body: { name: 'Renamed' } },
  'DELETE /v1/contracts/{id}': { method: 'DELETE', path: async () => `/v1/contracts/${await newContract(false)}`, token: tokens.admin },
  'POST /v1/contracts/{id}/activate': { method: 'POST', path: async () => `/v1/contracts/${await newContract(false)}/activate`, token: tokens.admin },
  'POST /v1/contracts/{id}/cancel': { method: 'POST', path: async () => `/v1/contracts/${await newContract()}/cancel`, token: tokens.admin },
  'POST /v1/contracts/{id}/renew': { method: 'POST', path: async () => { const id = await newContract(false); await http('PATCH', `/v1/contracts/${id}`, { token: tokens.admin, body: { endDate: '2026-12-31' } }); await http('POST', `/v1/contracts/${id}/activate`, { token: tokens.admin }); return `/v1/contracts/${id}/renew`; }, token: tokens.admin },
  'PUT /v1/companies/{id}/default-contract': { method: 'PUT', path: `/v1/companies/${home}/default-contract`, token: tokens.admin, body: { contractId: benchContract } },
  'GET /v1/contracts/{id}/usage': { method: 'GET', path: `/v1/contracts/${benchContract}/usage?period=2026-01`, token: tokens.admin, note: 'the contract, then its day totals (one Query)' },
  'GET /v1/tickets/{id}/time-entries': { method: 'GET', path: `/v1/tickets/${ticketIds[0]}/time-entries`, token: tokens.admin },
  'POST /v1/tickets/{id}/time-entries': { method: 'POST', path: `/v1/tickets/${ticketIds[0]}/time-entries`, token: tokens.admin, body: { date: '2026-01-06', minutes: 45, contractId: benchContract }, note: 'the ticket, then one transaction' },
  'PATCH /v1/time-entries/{id}': { method: 'PATCH', path: async () => `/v1/time-entries/${await logEntry()}`, token: tokens.admin, body: { minutes: 60 } },
  'DELETE /v1/time-entries/{id}': { method: 'DELETE', path: async () => `/v1/time-entries/${await logEntry()}`, token: tokens.admin },
  'POST /v1/billing-runs': { method: 'POST', path: '/v1/billing-runs', token: tokens.admin, body: { through: '2025-12-31', companyId: home } },
  'GET /v1/billing-runs/{id}': { method: 'GET', path: async () => `/v1/billing-runs/${(await http('POST', '/v1/billing-runs', { token: tokens.admin, body: { through: '2025-12-31', companyId: home } })).body.id}`, token: tokens.admin },
} satisfies Record<string, Scenario>);
// Issue 17: SLA policies, client and MSP settings, notifications, health, onboarding, the Client 360.
const slaBody = (isDefault = false) => ({ name: `SLA ${ulid()}`, isDefault, timezone: 'Europe/London', hours: { mon: [['08:00', '18:00']], tue: [['08:00', '18:00']], wed: [['08:00', '18:00']], thu: [['08:00', '18:00']], fri: [['08:00', '18:00']], sat: [], sun: [] }, targets: { critical: { responseMinutes: 15, resolutionMinutes: 240 }, high: { responseMinutes: 60, resolutionMinutes: 480 }, medium: { responseMinutes: 240, resolutionMinutes: 1440 }, low: { responseMinutes: 480, resolutionMinutes: 2880 } } });
const newPolicy = async () => (await http('POST', '/v1/sla-policies', { token: tokens.admin, body: slaBody() })).body.id as string;
const benchPolicy = await newPolicy();
await http('POST', `/v1/companies/${home}/signals`, { token: tokens.admin, body: { kind: 'backups', observedAt: new Date().toISOString(), successRate: 0.98, lastSuccessAt: new Date().toISOString() } });
Object.assign(scenarios, {
  'GET /v1/sla-policies': { method: 'GET', path: '/v1/sla-policies', token: tokens.admin },
  'POST /v1/sla-policies': { method: 'POST', path: '/v1/sla-policies', token: tokens.admin, body: () => Promise.resolve(slaBody()) },
  'GET /v1/sla-policies/{id}': { method: 'GET', path: `/v1/sla-policies/${benchPolicy}`, token: tokens.admin },
  'PATCH /v1/sla-policies/{id}': { method: 'PATCH', path: async () => `/v1/sla-policies/${await newPolicy()}`, token: tokens.admin, body: { name: 'Renamed' } },
  'DELETE /v1/sla-policies/{id}': { method: 'DELETE', path: async () => `/v1/sla-policies/${await newPolicy()}`, token: tokens.admin },
  'GET /v1/companies/{id}/settings': { method: 'GET', path: `/v1/companies/${home}/settings`, token: tokens.admin },
  'PUT /v1/companies/{id}/settings': { method: 'PUT', path: `/v1/companies/${home}/settings`, token: tokens.admin, body: () => Promise.resolve({ slaPolicyId: benchPolicy, notificationRules: [{ event: 'ticket.created', notify: 'primary' }], portal: { ticketCategories: [`Cat ${ulid()}`] } }) },
  'GET /v1/companies/{id}/notifications': { method: 'GET', path: `/v1/companies/${home}/notifications`, token: tokens.admin },
  'GET /v1/settings': { method: 'GET', path: '/v1/settings', token: tokens.admin },
  'PUT /v1/settings': { method: 'PUT', path: '/v1/settings', token: tokens.admin, body: () => Promise.resolve({ categories: [`Cat ${ulid()}`] }) },
  'GET /v1/companies/{id}/health': { method: 'GET', path: `/v1/companies/${home}/health`, token: tokens.admin },
  'GET /v1/companies/{id}/health/history': { method: 'GET', path: `/v1/companies/${home}/health/history`, token: tokens.admin },
  'POST /v1/companies/{id}/signals': { method: 'POST', path: `/v1/companies/${home}/signals`, token: tokens.admin, body: () => Promise.resolve({ kind: 'security', observedAt: new Date().toISOString(), openThreats: 0, criticalVulnerabilities: 1 }) },
  'GET /v1/companies/{id}/onboarding': { method: 'GET', path: `/v1/companies/${home}/onboarding`, token: tokens.admin, note: 'the company item with the default policy (BatchGetItem) beside its contracts (Query), then the contracts' },
  'GET /v1/companies/{id}/overview': { method: 'GET', path: `/v1/companies/${home}/overview`, token: tokens.admin, note: 'the Client 360: at most three requests (BatchGetItem ‖ Query, then BatchGetItem)' },
} satisfies Record<string, Scenario>);
for (const [plural, id, body] of [
  ['tickets', ticketIds[2], { companyId: home, subject: 'New', priority: 'high' }],
  ['assets', assetId, { companyId: home, name: 'PHONE-1', kind: 'mobile' }],
  ['invoices', invoiceId, { companyId: home, number: 'INV-2', total: '10.00' }],
] as const) {
  scenarios[`POST /v1/${plural}`] = { method: 'POST', path: `/v1/${plural}`, token: tokens.admin, body };
  scenarios[`GET /v1/${plural}`] = { method: 'GET', path: `/v1/${plural}?companyId=${home}`, token: tokens.admin };
  scenarios[`GET /v1/${plural}/{id}`] = { method: 'GET', path: `/v1/${plural}/${id}`, token: tokens.admin };
  scenarios[`PATCH /v1/${plural}/{id}`] = { method: 'PATCH', path: `/v1/${plural}/${id}`, token: tokens.admin, body: () => Promise.resolve(plural === 'tickets' ? { priority: 'low' } : plural === 'assets' ? { os: `Windows ${ulid()}` } : { dueDate: '2027-01-31' }) };
}
await drain('mail');

const perRoute = [];
for (const r of routes) {
  const key = routeKeyOf(r);
  const s = scenarios[key];
  if (!s) {
    perRoute.push({ route: key, status: null, requests: null, capacity: null, note: 'not exercised', scan: false });
    continue;
  }
  const path = typeof s.path === 'function' ? await s.path() : s.path;
  const body = typeof s.body === 'function' ? await (s.body as () => Promise<unknown>)() : s.body;
  const token = s.token === '@portal' ? tokens.portal : s.token;
  counter.reset();
  const res = await http(s.method, path, { token, body, contentType: s.contentType });
  const calls = [...counter.tally.calls];
  const byOp: Record<string, number> = {};
  for (const c of calls) byOp[c] = (byOp[c] ?? 0) + 1;
  perRoute.push({ route: key, status: res.status, requests: calls.length, ops: byOp, capacity: ms(counter.tally.capacity), scan: calls.includes('Scan'), note: s.note ?? null });
  await drain('mail'); // outside the count: keeps set-up and reset links in the order they were sent
}
out.requestsPerRoute = perRoute;
const scans = perRoute.filter((r) => r.scan).map((r) => r.route);
out.scanDefects = scans;

// ── 2. latency against the raw round trip ────────────────────────────────────────────────
log('Measuring latency…');
const latencyTargets = [
  { name: 'GET /v1/companies/{id}', run: () => http('GET', `/v1/companies/${home}`, { token: tokens.admin }) },
  { name: 'GET /v1/companies?q=', run: () => http('GET', '/v1/companies?q=bench%20customer%2010', { token: tokens.admin }) },
  { name: 'POST /v1/contacts', run: () => http('POST', '/v1/contacts', { token: tokens.admin, body: { firstName: 'Lat', lastName: 'Ency', email: `lat.${ulid().toLowerCase()}@customer0.example`, companyId: home } }) },
  { name: 'GET /v1/portal/tickets', run: () => http('GET', '/v1/portal/tickets', { token: tokens.portal }) },
  // The Client 360 (issue 17): three requests, two of them side by side; compared with one GetItem.
  { name: 'GET /v1/companies/{id}/overview', run: () => http('GET', `/v1/companies/${home}/overview`, { token: tokens.admin }) },
];
const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const measure = async (fn: () => Promise<unknown>, concurrency: number, total: number) => {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) await fn(); // warm up
  let left = total;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (left-- > 0) samples.push(await time(fn));
  }));
  return { p50: ms(percentile(samples, 50)), p99: ms(percentile(samples, 99)) };
};
// The raw round trip of a create: the same transaction POST /v1/contacts writes (contact, email guard, company counter).
const rawCreate = () => {
  const id = ulid();
  const email = `raw.${id.toLowerCase()}@customer0.example`;
  return db().send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName(), Item: { ...keys.contact(id), type: 'Contact', id, email }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: tableName(), Item: { ...keys.contactEmail(email), contactId: id }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Update: { TableName: tableName(), Key: keys.company(companyIds[5]!), UpdateExpression: 'ADD #c.#n :one', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#c': 'counts', '#n': 'contacts' }, ExpressionAttributeValues: { ':one': 1 } } },
      ],
    }),
  );
};
const rawGet = () => db().send(new GetCommand({ TableName: tableName(), Key: keys.company(home) }));
const rawQuery = () => db().send(new QueryCommand({ TableName: tableName(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p AND begins_with(gsi1sk, :q)', ExpressionAttributeValues: { ':p': keys.companyListBucket('active', home), ':q': 'bench customer 10' }, Limit: 50 }));
// One of the Queries GET /v1/portal/tickets makes for its read (one per bucket of the company's tickets), newest first, one default page.
const rawTicketsQuery = () =>
  db().send(new QueryCommand({ TableName: tableName(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.recordsByCompanyPartitions(recordKinds.ticket.prefix, home)[0] }, ScanIndexForward: false, Limit: 50 }));
const latency = [];
for (const c of [1, 16]) {
  const raw = { GetItem: await measure(rawGet, c, 300), Query: await measure(rawQuery, c, 300), 'Query (tickets)': await measure(rawTicketsQuery, c, 300), TransactWriteItems: await measure(rawCreate, c, 300) };
  for (const t of latencyTargets) {
    const m = await measure(t.run, c, 300);
    const kind = t.name.startsWith('POST') ? 'TransactWriteItems' : t.name.startsWith('GET /v1/companies?') ? 'Query' : t.name === 'GET /v1/portal/tickets' ? 'Query (tickets)' : 'GetItem';
    const base = raw[kind];
    latency.push({ endpoint: t.name, concurrency: c, ...m, rawP50: base.p50, rawKind: kind, ratioP50: ms(m.p50 / base.p50), vsGetItemP50: ms(m.p50 / raw.GetItem.p50) });
  }
}
out.latency = latency;
if (only === 'api') {
  out.apiMeasuredAt = new Date().toISOString();
  await stack.stop();
  await finish(false);
}

// ── 3. import throughput ─────────────────────────────────────────────────────────────────
log('Importing 50,000 contacts…');
const ROWS = 50_000;
const csv = ['First Name,Last Name,Email,Company', ...Array.from({ length: ROWS }, (_, i) => `First${i},Last${i},bulk.${i}@import.example,${i % 10 === 0 ? 'Bench Customer 001' : ''}`)].join('\n');
const importMark = await markStream(info.dynamodb.endpoint, info.region, info.dynamodb.tableName);
const t0 = performance.now();
const accepted = await http('POST', '/v1/imports?type=contacts', { token: tokens.admin, body: csv, contentType: 'text/csv' });
const uploadSeconds = (performance.now() - t0) / 1000;
// The message the upload queued, run by the worker in a process of its own (its RSS is the worker's alone).
await stack.flushOutbox();
const queued = await sqs.send(new ReceiveMessageCommand({ QueueUrl: process.env[queueUrlEnv('imports')]!, MaxNumberOfMessages: 10 }));
for (const m of queued.Messages ?? []) await sqs.send(new DeleteMessageCommand({ QueueUrl: process.env[queueUrlEnv('imports')]!, ReceiptHandle: m.ReceiptHandle! }));
const message = queued.Messages?.find((m) => m.Body?.includes(accepted.body.id))?.Body ?? JSON.stringify({ importId: accepted.body.id });
const worker = JSON.parse(
  await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', 'bench/import-worker.ts', message], { env: process.env, maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  ),
) as { seconds: number; dynamoRequests: number; startRssMb: number; peakRssMb: number; memoryMb: number };
const importSeconds = uploadSeconds + worker.seconds;
const job = (await http('GET', `/v1/imports/${accepted.body.id}`, { token: tokens.admin })).body;
const importPartitions = await partitionsSince(importMark, '50,000-row contacts import', ROWS);
// The raw rates, of the same items the import writes: each row's contact, its email guard and its search tokens,
// built by the code that builds them (newContact, putNewContact), a tenth in the same company.
const contactItems = (tag: string, n: number) => {
  const now = new Date().toISOString();
  return Array.from({ length: n }, (_, i) =>
    putNewContact(newContact(createContactBody.parse({ firstName: `First${i}`, lastName: `Last${i}`, email: `${tag}.${i}@import.example`, companyId: i % 10 === 0 ? companyIds[1] : undefined }), now, 'csv')).map((x) => x.item.Put!),
  );
};
/** Runs `work` on slices of `rows` (`per` rows each) with `inFlight` calls at once; rows per second. */
const rawRate = async <T>(rows: T[], per: number, inFlight: number, work: (slice: T[]) => Promise<unknown>) => {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < rows.length) {
      const start = next;
      next += per;
      await work(rows.slice(start, start + per));
    }
  }));
  return Math.round(rows.length / ((performance.now() - t) / 1000));
};
type RawPut = ReturnType<typeof contactItems>[number][number];
/** Items one row writes (contact, email guard, search tokens), and the rows of one transaction of at most 88 items, as the import cuts them. */
const ITEMS_PER_ROW = contactItems('probe', 1)[0]!.length;
const ROWS_PER_TRANSACTION = Math.floor(88 / ITEMS_PER_ROW);
// BatchWriteItem: 25 items per call, 4 in flight; no condition, so no uniqueness.
const batchWrite = async (puts: RawPut[]) => {
  let pending = puts.map((p) => ({ PutRequest: { Item: p.Item } }));
  while (pending.length) pending = ((await db().send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending } }))).UnprocessedItems?.[tableName()] ?? []) as typeof pending;
};
const rawBatchWrite = await rawRate(contactItems('raw', ROWS).flat(), 25, 4, batchWrite).then((itemsPerSecond) => itemsPerSecond / ITEMS_PER_ROW);
// The same rows as conditional transactions (at most 88 items each), 4 in flight and one at a time
// (10,000 rows: if the rates match, the engine serialises transactions), and as conditional
// PutItems, 16 in flight (10,000 rows): every way to write a row under a condition.
const transactRows = (rows: RawPut[][]) => db().send(new TransactWriteCommand({ TransactItems: rows.flat().map((Put) => ({ Put })) }));
const rawTransaction = await rawRate(contactItems('tx', ROWS), ROWS_PER_TRANSACTION, 4, transactRows);
const rawTransactionOneInFlight = await rawRate(contactItems('tx1', 10_000), ROWS_PER_TRANSACTION, 1, transactRows);
const rawConditionalPut = await rawRate(contactItems('put', 10_000), 1, 16, async ([row]) => {
  for (const Put of row!) await db().send(new PutCommand(Put));
});
out.import = {
  rows: ROWS,
  status: job.status,
  created: job.created,
  seconds: ms(importSeconds),
  rowsPerSecond: Math.round(ROWS / importSeconds),
  dynamoRequests: worker.dynamoRequests,
  rawBatchWriteRowsPerSecond: Math.round(rawBatchWrite),
  ratio: ms(ROWS / importSeconds / rawBatchWrite),
  rawTransactionRowsPerSecond: rawTransaction,
  ratioToTransactions: ms(ROWS / importSeconds / rawTransaction),
  rawTransactionRowsPerSecondOneInFlight: rawTransactionOneInFlight,
  rawConditionalPutRowsPerSecond: rawConditionalPut,
  uploadSeconds: ms(uploadSeconds),
  workerSeconds: ms(worker.seconds),
  workerStartRssMb: worker.startRssMb,
  peakRssMb: worker.peakRssMb,
  workerMemoryMb: worker.memoryMb,
};

// ── 4. Microsoft 365 sync ────────────────────────────────────────────────────────────────
log('Syncing a 10,000-user / 5,000-device tenant…');
const app = { clientId: '5a5a5a5a-1111-4222-8333-444444444444', clientSecret: 'bench-secret', partnerTenantId: '7b7b7b7b-1111-4222-8333-444444444444' };
const fake = await startFakeMicrosoft(app);
fake.addTenant({ id: app.partnerTenantId, displayName: 'Bench MSP', defaultDomainName: 'benchmsp.onmicrosoft.com' });
const tenantId = fake.addTenant({ displayName: 'Big Tenant', defaultDomainName: 'big.onmicrosoft.com' });
fillTenant(fake, tenantId, 'big.onmicrosoft.com', 10_000, 5_000);
Object.assign(process.env, { [ENV.M365_CLIENT_ID]: app.clientId, [ENV.M365_CLIENT_SECRET]: app.clientSecret, [ENV.M365_PARTNER_TENANT_ID]: app.partnerTenantId, [ENV.M365_FAKE_URL]: fake.url });
resetEnvCache();
resetSecrets();
resetGraphClients();
const bigCompany = await fresh();
const consent = new URL((await http('GET', `/v1/integrations/m365/consent-url?companyId=${bigCompany}`, { token: tokens.admin })).body.url);
const linked = await http('GET', `/v1/public/m365/callback?${new URLSearchParams({ tenant: tenantId, admin_consent: 'True', state: consent.searchParams.get('state')! })}`);
const syncRun = async (jobId: string) => {
  await stack.flushOutbox();
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: process.env[queueUrlEnv('m365-sync')]!, MaxNumberOfMessages: 10 })).then(async (g) => {
    for (const m of g.Messages ?? []) await sqs.send(new DeleteMessageCommand({ QueueUrl: process.env[queueUrlEnv('m365-sync')]!, ReceiptHandle: m.ReceiptHandle! }));
  });
  const graphBefore = fake.requests.length;
  counter.reset();
  const start = performance.now();
  await runSync(jobId, () => 900_000);
  const seconds = (performance.now() - start) / 1000;
  const writes = counter.tally.calls.filter((c) => /TransactWrite|PutItem|UpdateItem|DeleteItem|BatchWrite/.test(c)).length;
  const recordWrites = counter.tally.calls.filter((c) => c === 'TransactWriteItems').length;
  const recordItems = counter.tally.txItems;
  const j = (await http('GET', `/v1/sync-jobs/${jobId}`, { token: tokens.admin })).body;
  return { seconds: ms(seconds), graphRequests: fake.requests.length - graphBefore, dynamoRequests: counter.tally.calls.length, dynamoWrites: writes, recordWrites, recordItems, users: j.users, devices: j.devices };
};
const syncMark = await markStream(info.dynamodb.endpoint, info.region, info.dynamodb.tableName);
const full = await syncRun(linked.body.jobId);
const syncPartitions = await partitionsSince(syncMark, '10,000-user, 5,000-device full sync', 10_000);
out.partitions = [importPartitions, syncPartitions];
const noChange = await syncRun((await http('POST', `/v1/companies/${bigCompany}/m365/sync`, { token: tokens.admin })).body.jobId);
const contactsPage = (await http('GET', `/v1/companies/${bigCompany}/contacts?limit=100`, { token: tokens.admin })).body.items as { externalId: string }[];
for (const c of contactsPage) fake.patch(tenantId, 'users', c.externalId, { jobTitle: 'Changed' });
const onePercent = await syncRun((await http('POST', `/v1/companies/${bigCompany}/m365/sync`, { token: tokens.admin })).body.jobId);
await fake.stop();
out.m365 = { users: 10_000, devices: 5_000, full, noChange, onePercent: { ...onePercent, changedUsers: contactsPage.length } };

// ── 8. billing run ───────────────────────────────────────────────────────────────────────
log('Billing 10,000 contracts…');
const CONTRACTS = 10_000;
const PER_COMPANY = 20;
const billingCaller = { pool: 'staff' as const, sub: 'bench', email: 'bench@msp.example', groups: ['Admin' as const], claims: {} };
const billed: string[] = [];
for (let i = 0; i < CONTRACTS / PER_COMPANY; i++) billed.push(await fresh());
// Managed services at a fixed fee, each due on its start date: one invoice each. Written through the service, 16 at a time.
const contractInput = createContractBody.parse({ name: 'Managed services', type: 'managed_services', startDate: '2026-01-01', lineItems: [{ description: 'Managed services', kind: 'fixed', unitPrice: '499.00' }] });
await rawRate(Array.from({ length: CONTRACTS }, (_, i) => billed[i % billed.length]!), 1, 16, async ([companyId]) => {
  const c = await createContract(billingCaller, companyId!, contractInput);
  await changeContractState(billingCaller, c.id, 'activate');
});
const runAccepted = await http('POST', '/v1/billing-runs', { token: tokens.admin, body: { through: '2026-01-01' } });
counter.reset();
const tb = performance.now();
await drain('billing');
const billingSeconds = (performance.now() - tb) / 1000;
const billingCalls = [...counter.tally.calls];
const billingRun = (await http('GET', `/v1/billing-runs/${runAccepted.body.id}`, { token: tokens.admin })).body;
// The raw rate of the transaction an invoice is, on the same table: 6 puts (invoice, billed-period key, contract, company, run, unbilled month), 8 in flight as the run bills.
const rawInvoiceTx = await rawRate(Array.from({ length: 5_000 }, (_, i) => i), 1, 8, async ([i]) => {
  const id = ulid();
  await db().send(new TransactWriteCommand({ TransactItems: Array.from({ length: 6 }, (_, k) => ({ Put: { TableName: tableName(), Item: { pk: `BENCHTX#${id}`, sk: `ITEM#${k}`, type: 'Bench', n: i, lines: [{ description: 'Managed services', quantity: 1, unitPrice: '499.00', amount: '499.00' }] }, ConditionExpression: 'attribute_not_exists(pk)' } })) }));
});
out.billing = {
  contracts: CONTRACTS,
  companies: billed.length,
  status: billingRun.status,
  invoicesCreated: billingRun.invoicesCreated,
  seconds: ms(billingSeconds),
  invoicesPerSecond: Math.round(billingRun.invoicesCreated / billingSeconds),
  rawTransactionsPerSecond: rawInvoiceTx,
  ratio: ms(billingRun.invoicesCreated / billingSeconds / rawInvoiceTx),
  dynamoRequests: billingCalls.length,
  requestsPerInvoice: ms(billingCalls.length / Math.max(1, billingRun.invoicesCreated)),
  byOperation: Object.fromEntries([...new Set(billingCalls)].map((op) => [op, billingCalls.filter((c) => c === op).length])),
};

// ── 5. cold start ────────────────────────────────────────────────────────────────────────
log('Bundling every function…');
out.coldStart = await coldStart();

await stack.stop();
rmSync(dir, { recursive: true, force: true });

// ── 6. the deployed shape ────────────────────────────────────────────────────────────────
log('Synthesizing the stack…');
out.stack = await stackSize();

// ── report ───────────────────────────────────────────────────────────────────────────────
await finish();
