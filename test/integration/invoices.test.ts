/**
 * Invoices (API.md v1.1 "Billing runs and invoices") on real DynamoDB Local, real queues
 * (fauxqs, the outbox relay), aws-ses-v2-local and the fake QuickBooks through the real
 * intuit-oauth client: lines priced in cents, the currency default, send (email to the billing
 * contact; created in QuickBooks once, also when the worker's message comes twice or an attempt
 * crashed), payments (never more than the balance, also under concurrent calls; Idempotency-Key),
 * void, the outstanding-invoice counter and the permanent-delete gate, the company's outstanding
 * balance per currency (exact under concurrent payments; its backfill), and `invoiceItems` in a
 * caller's transaction.
 */
import { randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as mailHandler } from '../../functions/mail/send-mail';
import { handler as quickBooksHandler } from '../../functions/quickbooks/sync-customer';
import { startSes } from '../../infra/local/engines/ses';
import { startFakeQuickBooks, type FakeQuickBooks } from '../../infra/local/fakes/quickbooks';
import { listAudit } from '../../shared/audit/audit.repository';
import { internalCount } from '../../shared/companies/company.repository';
import { resetSecrets } from '../../shared/crypto/secrets';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { transact } from '../../shared/db/transact';
import { ENV, resetEnvCache } from '../../shared/env';
import { invoiceItems } from '../../shared/invoices/invoice.repository';
import { backfillOutstandingBalances, OUTSTANDING_BALANCE_MIGRATION } from '../../shared/invoices/outstanding-balance-backfill';
import { migrationDone } from '../../shared/db/migrations';
import { resetMailClient } from '../../shared/mail/mail.service';
import type { StaffGroup } from '../../shared/routes';
import { archiveDirectly } from '../helpers/data';
import { beforeNext } from '../helpers/db-requests';
import { call, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true });

const CLIENT_ID = 'clientele-invoice-test-app';
const CLIENT_SECRET = randomBytes(16).toString('hex');
let fake: FakeQuickBooks;
let ses: { endpoint: string; stop: () => Promise<void> };
beforeAll(async () => {
  [fake, ses] = await Promise.all([startFakeQuickBooks({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }), startSes({ port: 0 })]);
  Object.assign(process.env, {
    [ENV.QUICKBOOKS_CLIENT_ID]: CLIENT_ID,
    [ENV.QUICKBOOKS_CLIENT_SECRET]: CLIENT_SECRET,
    [ENV.QUICKBOOKS_ENVIRONMENT]: 'sandbox',
    [ENV.QUICKBOOKS_REDIRECT_URI]: 'http://127.0.0.1:3000/v1/public/quickbooks/callback',
    [ENV.QUICKBOOKS_FAKE_URL]: fake.url,
    [ENV.ENCRYPTION_KEY]: randomBytes(32).toString('base64url'),
    [ENV.MAIL_FROM]: 'Clientele <no-reply@clientele.local>',
    AWS_ENDPOINT_URL_SES: ses.endpoint,
  });
  resetEnvCache();
  resetSecrets();
  resetMailClient();
});
afterAll(async () => {
  await fake?.stop();
  await ses?.stop();
});

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;

const company = async () => {
  const res = await call({ route: 'POST /v1/companies', body: { name: unique('Inv Co') } });
  expect(res.status).toBe(201);
  return res.body as { id: string; name: string };
};
const contact = async (companyId: string, first = 'Bill') => {
  const res = await call({ route: 'POST /v1/contacts', body: { firstName: first, lastName: 'Payer', email: `${first.toLowerCase()}.${run}.${++n}@example.com`, companyId } });
  expect(res.status).toBe(201);
  return res.body as { id: string; email: string };
};
/** A company whose primary contact gets its invoices. */
const billedCompany = async () => {
  const co = await company();
  const c = await contact(co.id);
  expect((await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: co.id }, body: { contactId: c.id } })).status).toBe(200);
  return { ...co, contact: c };
};
const create = (body: Record<string, unknown>) => call({ route: 'POST /v1/invoices', body });
const invoice = async (companyId: string, body: Record<string, unknown> = {}) => {
  const res = await create({ companyId, number: `INV-${run}-${++n}`, total: '100.00', ...body });
  expect(res.status).toBe(201);
  return res.body as Record<string, any> & { id: string };
};
const send = (id: string, groups?: StaffGroup[]) => call({ route: 'POST /v1/invoices/{id}/send', params: { id }, groups });
const pay = (id: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
  call({ route: 'POST /v1/invoices/{id}/payments', params: { id }, body: { date: '2026-12-01', method: 'ach', ...body }, headers });
const voidIt = (id: string, body?: unknown) => call({ route: 'POST /v1/invoices/{id}/void', params: { id }, body });
const get = async (id: string) => (await call({ route: 'GET /v1/invoices/{id}', params: { id } })).body as Record<string, any>;
const stored = async (id: string) => (await db().send(new GetCommand({ TableName: tableName(), Key: keys.record('INVOICE', id), ConsistentRead: true }))).Item!;
const outstanding = (companyId: string) => internalCount(companyId, 'outstandingInvoices');

interface StoredMail {
  subject: string;
  destination: { to: string[] };
  body: { text: string };
}
const sentMail = async (): Promise<StoredMail[]> => ((await (await fetch(`${ses.endpoint}/store`)).json()) as { emails: StoredMail[] }).emails;
/** Delivers what the mail queue holds through the mail worker to SES. */
const deliverMail = async () => {
  const event = await engines.queues.take('mail');
  if (event.Records.length) expect(await mailHandler(event as never, lambdaContext)).toEqual({ batchItemFailures: [] });
};
const runQuickBooks = (event: SQSEvent) => quickBooksHandler(event as never, lambdaContext) as Promise<SQSBatchResponse>;

describe('create and read', () => {
  it('prices each line half-up in cents, totals the lines, and fills the v1.1 fields', async () => {
    const co = await company();
    const res = await create({
      companyId: co.id,
      number: `INV-${run}-lines`,
      lines: [
        { description: 'Managed services', quantity: 1, unitPrice: '1200' },
        { description: 'Onsite hours', quantity: 1.5, unitPrice: '33.33' },
        { description: 'Licences', quantity: 3, unitPrice: '0.10' },
      ],
      contractId: ulid(),
      period: { from: '2026-12-01', to: '2026-12-31' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      total: '1250.30',
      balance: '1250.30',
      status: 'draft',
      currency: 'USD',
      sentAt: null,
      payments: [],
      period: { from: '2026-12-01', to: '2026-12-31' },
      lines: [
        { description: 'Managed services', quantity: 1, unitPrice: '1200.00', amount: '1200.00' },
        // 1.5 × 33.33 = 49.995 → 50.00 (half-up, per line)
        { description: 'Onsite hours', quantity: 1.5, unitPrice: '33.33', amount: '50.00' },
        { description: 'Licences', quantity: 3, unitPrice: '0.10', amount: '0.30' },
      ],
    });
    expect(await get(res.body.id)).toEqual(res.body);
  });

  it('keeps a manual invoice without lines as before, refuses a total that is not the sum of the lines, and needs one of them', async () => {
    const co = await company();
    const manual = await invoice(co.id, { total: '99.90', dueDate: '2027-01-31' });
    expect(manual).toMatchObject({ total: '99.90', balance: '99.90', lines: [], payments: [], currency: 'USD', contractId: null, period: null });
    const wrong = await create({ companyId: co.id, number: 'X', total: '10.00', lines: [{ description: 'A', quantity: 2, unitPrice: '4.00' }] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([expect.objectContaining({ in: 'body', path: '/total' })]);
    expect((await create({ companyId: co.id, number: 'X', total: '8', lines: [{ description: 'A', quantity: 2, unitPrice: '4.00' }] })).status).toBe(201);
    expect((await create({ companyId: co.id, number: 'X' })).status).toBe(400);
    expect((await create({ companyId: co.id, number: 'X', lines: [{ description: 'A', quantity: 0.333, unitPrice: '1.00' }] })).status).toBe(400);
    expect((await create({ companyId: co.id, number: 'X', lines: [{ description: 'A', quantity: 1, unitPrice: 1 }] })).status).toBe(400);
    expect((await create({ companyId: co.id, number: 'X', total: '1', currency: 'JPY' })).status).toBe(400);
  });

  it("takes the currency from the company's currency attribute when it has one, else the stack default; an explicit one wins", async () => {
    const co = await company();
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.company(co.id), UpdateExpression: 'SET currency = :c', ExpressionAttributeValues: { ':c': 'EUR' } }));
    expect((await invoice(co.id)).currency).toBe('EUR');
    expect((await invoice(co.id, { currency: 'GBP' })).currency).toBe('GBP');
    process.env[ENV.DEFAULT_CURRENCY] = 'CAD';
    resetEnvCache();
    try {
      expect((await invoice((await company()).id)).currency).toBe('CAD');
    } finally {
      delete process.env[ENV.DEFAULT_CURRENCY];
      resetEnvCache();
    }
  });

  it('reads an invoice stored before v1.1 with empty lines and payments, the default currency and null links', async () => {
    const co = await company();
    const id = ulid();
    const now = new Date().toISOString();
    const old = { id, companyId: co.id, number: 'OLD-1', total: '10.00', balance: '10.00', dueDate: null, status: 'draft', version: 1, createdAt: now, updatedAt: now };
    await db().send(new PutCommand({ TableName: tableName(), Item: { ...keys.record('INVOICE', id), ...keys.recordLists('INVOICE', old), type: 'invoice', ...old } }));
    expect(await get(id)).toEqual({ ...old, contractId: null, period: null, currency: 'USD', lines: [], sentAt: null, payments: [] });
    const listed = await call({ route: 'GET /v1/invoices', query: { companyId: co.id } });
    expect(listed.body.items).toEqual([expect.objectContaining({ id, lines: [], payments: [], currency: 'USD' })]);
  });

  it('changes lines (and so the total and balance) and the currency only while a draft', async () => {
    const co = await billedCompany();
    const inv = await invoice(co.id, { total: undefined, lines: [{ description: 'A', quantity: 1, unitPrice: '10.00' }] });
    const patched = await call({ route: 'PATCH /v1/invoices/{id}', params: { id: inv.id }, body: { lines: [{ description: 'B', quantity: 2, unitPrice: '7.50' }] } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ total: '15.00', balance: '15.00', lines: [{ description: 'B', quantity: 2, unitPrice: '7.50', amount: '15.00' }], version: 2 });
    const total = await call({ route: 'PATCH /v1/invoices/{id}', params: { id: inv.id }, body: { total: '20.00' } });
    expect(total.status).toBe(400);
    expect((await send(inv.id)).status).toBe(200);
    for (const body of [{ lines: [] }, { currency: 'EUR' }]) {
      const late = await call({ route: 'PATCH /v1/invoices/{id}', params: { id: inv.id }, body });
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('INVALID_STATE');
    }
  });
});

describe('send', () => {
  it("makes a draft sent, emails the primary contact through the mail queue and SES, counts it outstanding, and audits it", async () => {
    const co = await billedCompany();
    const inv = await invoice(co.id, { total: undefined, dueDate: '2027-01-15', lines: [{ description: 'Managed services', quantity: 1, unitPrice: '250.00' }] });
    expect(await outstanding(co.id)).toBe(0); // a draft is not owed
    const res = await send(inv.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'sent', sentAt: expect.any(String), version: 2 });
    expect(res.headers.etag).toBe('"2"');
    expect(await outstanding(co.id)).toBe(1);

    await deliverMail();
    const mail = (await sentMail()).find((m) => m.destination.to.includes(co.contact.email))!;
    expect(mail.subject).toBe(`Invoice ${inv.number} for ${co.name}`);
    expect(mail.body.text).toContain('Managed services: 1 × 250.00 = 250.00 USD');
    expect(mail.body.text).toContain('Balance due: 250.00 USD');

    const entries = (await listAudit(co.id, 10)).items.filter((e) => e.action === 'invoice.sent');
    expect(entries).toEqual([expect.objectContaining({ changes: expect.objectContaining({ invoiceId: { to: inv.id }, status: { from: 'draft', to: 'sent' } }) })]);

    // Sending again emails it again; still one outstanding invoice.
    expect((await send(inv.id)).status).toBe(200);
    await deliverMail();
    expect((await sentMail()).filter((m) => m.destination.to.includes(co.contact.email))).toHaveLength(2);
    expect(await outstanding(co.id)).toBe(1);
  });

  it("emails the company's billing contact when billingContactId is set", async () => {
    const co = await billedCompany();
    const billing = await contact(co.id, 'Accounts');
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.company(co.id), UpdateExpression: 'SET billingContactId = :b', ExpressionAttributeValues: { ':b': billing.id } }));
    const inv = await invoice(co.id);
    expect((await send(inv.id)).status).toBe(200);
    await deliverMail();
    const to = (await sentMail()).filter((m) => m.subject === `Invoice ${inv.number} for ${co.name}`).map((m) => m.destination.to);
    expect(to).toEqual([[billing.email]]);

    // A billing contact that left the company no longer gets its invoices: the primary contact does.
    expect((await call({ route: 'PATCH /v1/contacts/{id}', params: { id: billing.id }, body: { companyId: (await company()).id } })).status).toBe(200);
    const later = await invoice(co.id);
    expect((await send(later.id)).status).toBe(200);
    await deliverMail();
    expect((await sentMail()).filter((m) => m.subject === `Invoice ${later.number} for ${co.name}`).map((m) => m.destination.to)).toEqual([[co.contact.email]]);
  });

  it('refuses without a contact with an email (409 CONTACT_HAS_NO_EMAIL), in a state other than draft or sent, for an archived company, and for non-finance roles', async () => {
    const bare = await company();
    const noContact = await send((await invoice(bare.id)).id);
    expect(noContact.status).toBe(409);
    expect(noContact.body.code).toBe('CONTACT_HAS_NO_EMAIL');

    const co = await billedCompany();
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.contact(co.contact.id), UpdateExpression: 'REMOVE email' }));
    const inv = await invoice(co.id);
    expect((await send(inv.id)).body.code).toBe('CONTACT_HAS_NO_EMAIL');
    expect((await get(inv.id)).status).toBe('draft');

    const ok = await billedCompany();
    const voided = await invoice(ok.id);
    expect((await voidIt(voided.id)).status).toBe(200);
    expect((await send(voided.id)).body.code).toBe('INVALID_STATE');
    expect((await send(ulid())).status).toBe(404);
    expect((await send((await invoice(ok.id)).id, ['Technician'])).status).toBe(403);

    const archived = await billedCompany();
    const draft = await invoice(archived.id);
    await archiveDirectly(archived.id);
    expect((await send(draft.id)).body.code).toBe('COMPANY_ARCHIVED');
  });
});

describe('QuickBooks', () => {
  const linkedCompany = async () => {
    const co = await billedCompany();
    const linked = await call({ route: 'POST /v1/companies/{id}/quickbooks/link', params: { id: co.id }, body: {} });
    expect(linked.status).toBe(200);
    return { ...co, customerId: linked.body.integrations.quickbooks.customerId as string };
  };

  beforeAll(async () => {
    const connect = await call({ route: 'GET /v1/integrations/quickbooks/connect' });
    const back = new URL(await fake.authorize(connect.body.url));
    expect((await call({ route: 'GET /v1/public/quickbooks/callback', query: Object.fromEntries(back.searchParams) })).status).toBe(200);
  });

  it('creates the sent invoice in QuickBooks once, even when the worker gets the message twice', async () => {
    const co = await linkedCompany();
    const inv = await invoice(co.id, { total: undefined, dueDate: '2027-02-01', lines: [{ description: 'Backup', quantity: 3, unitPrice: '19.99' }, { description: 'Setup', quantity: 1, unitPrice: '40.00' }] });
    expect((await send(inv.id)).status).toBe(200);
    const event = await engines.queues.take('quickbooks-sync');
    expect(event.Records.map((r) => JSON.parse(r.body))).toEqual([expect.objectContaining({ type: 'invoice', invoiceId: inv.id })]);
    expect(await runQuickBooks(event)).toEqual({ batchItemFailures: [] });
    expect(await runQuickBooks(event)).toEqual({ batchItemFailures: [] });

    const made = fake.invoices().filter((i) => i.DocNumber === inv.number);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({
      CustomerRef: { value: co.customerId },
      CurrencyRef: { value: 'USD' },
      TotalAmt: 99.97,
      Balance: 99.97,
      DueDate: '2027-02-01',
      Line: [
        { DetailType: 'SalesItemLineDetail', Amount: 59.97, Description: 'Backup', SalesItemLineDetail: { Qty: 3, UnitPrice: 19.99 } },
        { DetailType: 'SalesItemLineDetail', Amount: 40, Description: 'Setup', SalesItemLineDetail: { Qty: 1, UnitPrice: 40 } },
        expect.objectContaining({ DetailType: 'SubTotalLineDetail' }),
      ],
    });
    expect(await stored(inv.id)).toMatchObject({ quickBooksInvoiceId: made[0]!.Id, quickBooksSyncStatus: 'synced' });
    // Only one create reached QuickBooks; the second delivery stopped at our stored id.
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/invoice') && (r.body as { DocNumber?: string }).DocNumber === inv.number)).toHaveLength(1);

    // Sending again does not queue another push.
    expect((await send(inv.id)).status).toBe(200);
    expect((await engines.queues.take('quickbooks-sync')).Records).toHaveLength(0);
  });

  it('finds the invoice an attempt that crashed before recording it made (by DocNumber) instead of creating another', async () => {
    const co = await linkedCompany();
    const inv = await invoice(co.id, { total: '75.00' });
    expect((await send(inv.id)).status).toBe(200);
    const event = await engines.queues.take('quickbooks-sync');
    expect(await runQuickBooks(event)).toEqual({ batchItemFailures: [] });
    // As if the worker had crashed after QuickBooks answered and before our write.
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.record('INVOICE', inv.id), UpdateExpression: 'REMOVE quickBooksInvoiceId' }));
    const creates = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/invoice') && (r.body as { DocNumber?: string }).DocNumber === inv.number).length;
    expect(creates()).toBe(1);
    expect(await runQuickBooks(event)).toEqual({ batchItemFailures: [] });
    expect(creates()).toBe(1);
    const made = fake.invoices().filter((i) => i.DocNumber === inv.number);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ TotalAmt: 75, Line: [expect.objectContaining({ Amount: 75, Description: `Invoice ${inv.number}` }), expect.anything()] });
    expect((await stored(inv.id)).quickBooksInvoiceId).toBe(made[0]!.Id);
  });

  it('records a QuickBooks refusal on the invoice (failed, with the reason) without retrying it', async () => {
    const co = await linkedCompany();
    const inv = await invoice(co.id, { number: `TOO-LONG-FOR-QUICKBOOKS-${run}` });
    expect((await send(inv.id)).status).toBe(200);
    expect(await runQuickBooks(await engines.queues.take('quickbooks-sync'))).toEqual({ batchItemFailures: [] });
    expect(await stored(inv.id)).toMatchObject({ quickBooksSyncStatus: 'failed', quickBooksLastError: expect.stringContaining('Max:21') });
  });

  it('pushes nothing for a company that is not linked', async () => {
    const co = await billedCompany();
    expect((await send((await invoice(co.id)).id)).status).toBe(200);
    expect((await engines.queues.take('quickbooks-sync')).Records).toHaveLength(0);
  });
});

describe('payments', () => {
  const sentInvoice = async (total = '100.00') => {
    const co = await billedCompany();
    const inv = await invoice(co.id, { total });
    expect((await send(inv.id)).status).toBe(200);
    return { co, inv };
  };

  it('lowers the balance, makes the invoice paid at zero, and keeps the outstanding counter exact', async () => {
    const { co, inv } = await sentInvoice();
    expect(await outstanding(co.id)).toBe(1);
    const first = await pay(inv.id, { amount: '40.00', method: 'check', reference: 'CHK 1001' });
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe(`/v1/invoices/${inv.id}`);
    expect(first.body).toMatchObject({ status: 'sent', balance: '60.00', payments: [{ id: expect.any(String), amount: '40.00', date: '2026-12-01', method: 'check', reference: 'CHK 1001' }] });
    expect(await outstanding(co.id)).toBe(1);
    const rest = await pay(inv.id, { amount: '60' });
    expect(rest.body).toMatchObject({ status: 'paid', balance: '0.00' });
    expect(rest.body.payments).toHaveLength(2);
    expect(rest.body.payments[1]).toMatchObject({ amount: '60.00', method: 'ach', reference: null });
    expect(await outstanding(co.id)).toBe(0);
    expect((await listAudit(co.id, 20)).items.filter((e) => e.action === 'invoice.payment_recorded')).toHaveLength(2);

    const again = await pay(inv.id, { amount: '1.00' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INVALID_STATE');
  });

  it('refuses more than the balance (409 OVERPAYMENT), a draft or void invoice (409 INVALID_STATE), and bad amounts (400)', async () => {
    const { inv } = await sentInvoice('50.00');
    const over = await pay(inv.id, { amount: '50.01' });
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('OVERPAYMENT');
    expect((await get(inv.id)).balance).toBe('50.00');
    for (const amount of ['0', '0.00', '-1.00', '1.001', 5]) expect((await pay(inv.id, { amount })).status).toBe(400);
    expect((await pay(inv.id, { amount: '1.00', method: 'barter' })).status).toBe(400);

    const co = await billedCompany();
    const draft = await invoice(co.id);
    expect((await pay(draft.id, { amount: '1.00' })).body.code).toBe('INVALID_STATE');
    await voidIt(draft.id);
    expect((await pay(draft.id, { amount: '1.00' })).body.code).toBe('INVALID_STATE');
    expect((await pay(ulid(), { amount: '1.00' })).status).toBe(404);
  });

  it('never overpays under two concurrent payments: one wins, the other re-reads the lowered balance and is refused', async () => {
    const { co, inv } = await sentInvoice('100.00');
    const results = await Promise.all([pay(inv.id, { amount: '60.00' }), pay(inv.id, { amount: '60.00' })]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.code).toBe('OVERPAYMENT');
    const after = await get(inv.id);
    expect(after).toMatchObject({ balance: '40.00', status: 'sent' });
    expect(after.payments).toHaveLength(1);

    // Two that fit both apply, and the last one pays it off.
    const both = await Promise.all([pay(inv.id, { amount: '20.00' }), pay(inv.id, { amount: '20.00' })]);
    expect(both.map((r) => r.status)).toEqual([201, 201]);
    expect(await get(inv.id)).toMatchObject({ balance: '0.00', status: 'paid' });
    expect(await outstanding(co.id)).toBe(0);
  });

  it('replays a retry with the same Idempotency-Key (even after the invoice is paid) and refuses the key with another body', async () => {
    const { inv } = await sentInvoice('30.00');
    const key = { 'idempotency-key': `pay-${ulid()}` };
    const first = await pay(inv.id, { amount: '30.00' }, key);
    expect(first.status).toBe(201);
    const retry = await pay(inv.id, { amount: '30.00' }, key);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await get(inv.id)).payments).toHaveLength(1);
    const other = await pay(inv.id, { amount: '10.00' }, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses to change the amounts or status of an invoice with payments by PATCH', async () => {
    const { inv } = await sentInvoice('30.00');
    await pay(inv.id, { amount: '10.00' });
    const res = await call({ route: 'PATCH /v1/invoices/{id}', params: { id: inv.id }, body: { balance: '0.00', status: 'paid' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('INVALID_STATE');
    expect((await call({ route: 'PATCH /v1/invoices/{id}', params: { id: inv.id }, body: { dueDate: '2027-03-01' } })).status).toBe(200);
  });
});

describe('void', () => {
  it('voids a draft or an unpaid sent invoice (balance 0, no longer outstanding), answers an already void one unchanged, and audits once', async () => {
    const co = await billedCompany();
    const draft = await invoice(co.id);
    expect((await voidIt(draft.id)).body).toMatchObject({ status: 'void', balance: '0.00', version: 2 });

    const sent = await invoice(co.id);
    await send(sent.id);
    expect(await outstanding(co.id)).toBe(1);
    const res = await voidIt(sent.id, { reason: 'Issued in error' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'void', balance: '0.00', total: '100.00', version: 3 });
    expect(await outstanding(co.id)).toBe(0);

    const again = await voidIt(sent.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    const voided = (await listAudit(co.id, 50)).items.filter((e) => e.action === 'invoice.voided');
    expect(voided).toHaveLength(2);
    expect(voided.find((e) => e.reason === 'Issued in error')).toBeDefined();
  });

  it('refuses an invoice with payments or paid (409 INVALID_STATE)', async () => {
    const co = await billedCompany();
    const part = await invoice(co.id);
    await send(part.id);
    await pay(part.id, { amount: '10.00' });
    expect((await voidIt(part.id)).body.code).toBe('INVALID_STATE');
    await pay(part.id, { amount: '90.00' });
    expect((await voidIt(part.id)).body.code).toBe('INVALID_STATE');
    expect((await voidIt(part.id, { unknown: true })).status).toBe(400);
  });
});

describe('archived companies', () => {
  it("changes nothing of an archived company's invoices: no payment, no void (409 COMPANY_ARCHIVED)", async () => {
    const co = await billedCompany();
    const inv = await invoice(co.id);
    await send(inv.id);
    const draft = await invoice(co.id);
    await archiveDirectly(co.id);
    expect((await pay(inv.id, { amount: '10.00' })).body.code).toBe('COMPANY_ARCHIVED');
    expect((await voidIt(inv.id)).body.code).toBe('COMPANY_ARCHIVED');
    expect((await voidIt(draft.id)).body.code).toBe('COMPANY_ARCHIVED');
    expect(await get(inv.id)).toMatchObject({ status: 'sent', balance: '100.00', payments: [], version: 2 });
    expect(await outstanding(co.id)).toBe(1);
  });
});

describe('the permanent-delete gate', () => {
  const preview = async (id: string) => (await call({ route: 'GET /v1/companies/{id}/deletion-preview', params: { id } })).body.blockers.map((b: { code: string }) => b.code);

  it('is held by a sent invoice with a balance, and not by a draft, a paid or a void one', async () => {
    const co = await billedCompany();
    const draft = await invoice(co.id);
    expect(await preview(co.id)).not.toContain('OUTSTANDING_INVOICES');
    await send(draft.id);
    expect(await preview(co.id)).toContain('OUTSTANDING_INVOICES');
    await pay(draft.id, { amount: '100.00' });
    expect(await preview(co.id)).not.toContain('OUTSTANDING_INVOICES');
    const other = await invoice(co.id);
    await send(other.id);
    expect(await preview(co.id)).toContain('OUTSTANDING_INVOICES');
    await voidIt(other.id);
    expect(await preview(co.id)).not.toContain('OUTSTANDING_INVOICES');
  });
});

describe("the company's outstanding balance", () => {
  const owed = async (companyId: string) => (await call({ route: 'GET /v1/companies/{id}', params: { id: companyId } })).body.outstandingBalance;
  const sentInvoice = async (companyId: string, body: Record<string, unknown>) => {
    const inv = await invoice(companyId, body);
    expect((await send(inv.id)).status).toBe(200);
    return inv;
  };

  it('is what sent invoices still owe, per currency, exact after concurrent payments, and follows sends, voids and moves', async () => {
    const co = await billedCompany();
    expect(await owed(co.id)).toEqual([]);
    const a = await sentInvoice(co.id, { total: '100.00' });
    const b = await sentInvoice(co.id, { total: '50.50' });
    const c = await sentInvoice(co.id, { total: '20.00', currency: 'EUR' });
    await invoice(co.id, { total: '999.00' }); // a draft owes nothing yet
    expect(await owed(co.id)).toEqual([
      { currency: 'EUR', amount: '20.00' },
      { currency: 'USD', amount: '150.50' },
    ]);
    // Concurrent payments on two invoices of one company: the counter moves with each one that lands.
    const results = await Promise.all([...Array.from({ length: 8 }, () => pay(a.id, { amount: '1.00' })), ...Array.from({ length: 6 }, () => pay(b.id, { amount: '0.10' }))]);
    expect(results.every((r) => r.status === 201 || (r.status === 409 && r.body.code === 'CONCURRENT_CHANGE'))).toBe(true);
    const balances = Number((await get(a.id)).balance) * 100 + Number((await get(b.id)).balance) * 100;
    expect(await owed(co.id)).toEqual([
      { currency: 'EUR', amount: '20.00' },
      { currency: 'USD', amount: (Math.round(balances) / 100).toFixed(2) },
    ]);
    // Paid off, voided, moved: each leaves the company's balance.
    await pay(b.id, { amount: (await get(b.id)).balance });
    await voidIt(c.id);
    const other = await billedCompany();
    const moved = await call({ route: 'PATCH /v1/invoices/{id}', params: { id: a.id }, body: { companyId: other.id } });
    expect(moved.status).toBe(200);
    expect(await owed(co.id)).toEqual([]);
    expect(await owed(other.id)).toEqual([{ currency: 'USD', amount: (await get(a.id)).balance }]);
    const listed = await call({ route: 'GET /v1/companies', query: { q: co.name } });
    expect(listed.body.items[0]).toMatchObject({ id: co.id, outstandingBalance: await owed(co.id) });
  });

  it('counts invoices written before it existed: by their first change, or by the backfill, once, also while payments race it', async () => {
    const putOld = async (companyId: string | null, fields: Record<string, unknown>) => {
      const id = ulid();
      const now = new Date().toISOString();
      const old = { id, companyId, number: `OLD-${run}-${++n}`, total: '0.00', balance: '0.00', dueDate: null, status: 'sent', version: 1, createdAt: now, updatedAt: now, ...fields };
      await db().send(new PutCommand({ TableName: tableName(), Item: { ...keys.record('INVOICE', id), ...keys.recordLists('INVOICE', old), type: 'invoice', ...old } }));
      return id;
    };
    const forget = () => db().send(new DeleteCommand({ TableName: tableName(), Key: keys.migration(OUTSTANDING_BALANCE_MIGRATION) }));
    const co = await billedCompany();
    const archived = await billedCompany();
    const racing = await billedCompany();
    await putOld(co.id, { total: '30.00', balance: '30.00' });
    await putOld(co.id, { total: '7.00', balance: '7.00', status: 'draft' });
    const changedFirst = await putOld(co.id, { total: '40.00', balance: '40.00' });
    await putOld(archived.id, { total: '5.00', balance: '5.00', currency: 'EUR' });
    await putOld(null, { total: '9.00', balance: '9.00' });
    const raced = await putOld(racing.id, { total: '50.00', balance: '50.00' });
    await archiveDirectly(archived.id);
    expect(await owed(co.id)).toEqual([]);

    // A change counts an old invoice in full (its before-image counted nothing).
    expect((await pay(changedFirst, { amount: '10.00' })).status).toBe(201);
    expect(await owed(co.id)).toEqual([{ currency: 'USD', amount: '30.00' }]);

    await forget();
    const [counted, ...payments] = await Promise.all([backfillOutstandingBalances(), pay(raced, { amount: '5.00' }), pay(raced, { amount: '5.00' })]);
    expect(counted).toBeGreaterThanOrEqual(4);
    expect(await owed(co.id)).toEqual([{ currency: 'USD', amount: '60.00' }]);
    expect(await owed(archived.id)).toEqual([{ currency: 'EUR', amount: '5.00' }]);
    const paid = payments.filter((p) => p.status === 201).length;
    expect(await owed(racing.id)).toEqual([{ currency: 'USD', amount: (50 - 5 * paid).toFixed(2) }]);
    expect((await get(raced)).balance).toBe((50 - 5 * paid).toFixed(2));

    // Run again, it finds nothing left to count; it recorded its completion for `npm start`.
    expect(await migrationDone(OUTSTANDING_BALANCE_MIGRATION)).toBe(true);
    expect(await backfillOutstandingBalances()).toBe(0);
    expect(await owed(co.id)).toEqual([{ currency: 'USD', amount: '60.00' }]);
    // The marker stays inside: the API shows none of it.
    expect(Object.keys(await get(changedFirst))).not.toContain('inBalance');
  });

  it('counts an old invoice once when the backfill marks it between a payment’s read and its write', async () => {
    const co = await billedCompany();
    const id = ulid();
    const now = new Date().toISOString();
    const old = { id, companyId: co.id, number: `OLD-${run}-${++n}`, total: '80.00', balance: '80.00', dueDate: null, status: 'sent', version: 1, createdAt: now, updatedAt: now };
    await db().send(new PutCommand({ TableName: tableName(), Item: { ...keys.record('INVOICE', id), ...keys.recordLists('INVOICE', old), type: 'invoice', ...old } }));
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.migration(OUTSTANDING_BALANCE_MIGRATION) }));
    // The payment has read the unmarked invoice (it will count it in full); the backfill marks and counts it before the payment writes.
    beforeNext('TransactWriteItems', () => backfillOutstandingBalances());
    const res = await pay(id, { amount: '20.00' });
    const balance = (await get(id)).balance as string;
    expect(await owed(co.id)).toEqual([{ currency: 'USD', amount: balance }]);
    expect(res.status === 201 ? balance : '80.00').toBe(balance);
  });
});

describe('invoiceItems (for billing runs)', () => {
  it("writes a draft invoice with its priced lines (amounts kept as priced) inside the caller's transaction, once, and refuses an archived company", async () => {
    const co = await company();
    const id = ulid();
    const draft = {
      id,
      companyId: co.id,
      contractId: ulid(),
      period: { from: '2027-01-01', to: '2027-01-31' },
      number: `RUN-${run}`,
      currency: 'EUR',
      dueDate: '2027-01-31',
      // contract-pricing DraftLines: hundredths and cents; the second is prorated (half a month).
      lines: [
        { description: 'Per device', quantity: 700, unitPrice: 1250, amount: 8750 },
        { description: 'Managed services (1–15 Jan)', quantity: 100, unitPrice: 100000, amount: 48387 },
      ],
    };
    const { invoice: made, items } = invoiceItems(draft);
    await transact(items);
    expect(await get(id)).toEqual(made);
    expect(made).toMatchObject({
      id,
      status: 'draft',
      total: '571.37',
      balance: '571.37',
      currency: 'EUR',
      lines: [
        { description: 'Per device', quantity: 7, unitPrice: '12.50', amount: '87.50' },
        { description: 'Managed services (1–15 Jan)', quantity: 1, unitPrice: '1000.00', amount: '483.87' },
      ],
      payments: [],
      sentAt: null,
    });
    expect(await outstanding(co.id)).toBe(0);
    // The same draft again (a retried run) writes nothing.
    await expect(transact(invoiceItems(draft).items)).rejects.toThrow();

    const archived = await company();
    await archiveDirectly(archived.id);
    const refused = invoiceItems({ companyId: archived.id, contractId: null, period: null, number: 'X', currency: 'USD', dueDate: null, lines: [{ description: 'A', quantity: 100, unitPrice: 100, amount: 100 }] });
    await expect(transact(refused.items)).rejects.toMatchObject({ code: 'COMPANY_ARCHIVED' });
  });
});
