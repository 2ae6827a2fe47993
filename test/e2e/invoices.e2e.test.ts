/**
 * Invoices on the whole local stack, through the gateway with real Cognito tokens: an invoice
 * with lines is sent (the mail worker delivers it to aws-ses-v2-local for the company's primary
 * contact), paid in two payments (one retried with its Idempotency-Key), and the client sees
 * it in the portal with its lines, payments and balance; drafts never show there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, portalUser, staffToken, type Api, type PortalUser } from '../support/api';
import { startStack, type TestStack } from '../support/stack';

let stack: TestStack;
let api: Api;
let admin: string;
let client: PortalUser;
beforeAll(async () => {
  stack = await startStack();
  api = apiClient(stack.info);
  admin = await staffToken(stack.info, 'Admin');
  client = await portalUser(stack.info, admin, 'Billing');
}, 120_000);
afterAll(async () => stack?.stop());

interface StoredMail {
  subject: string;
  destination: { to: string[] };
  body: { text: string };
}
const mailTo = async (to: string, subject: string, ms = 20_000): Promise<StoredMail> => {
  const end = Date.now() + ms;
  for (;;) {
    const mails = ((await (await fetch(`${stack.info.ses.endpoint}/store`)).json()) as { emails: StoredMail[] }).emails;
    const found = mails.find((m) => m.destination.to.includes(to) && m.subject === subject);
    if (found) return found;
    if (Date.now() > end) throw new Error(`No mail "${subject}" to ${to}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe('invoices through the gateway', () => {
  it('sends an invoice by email, takes payments until it is paid, and shows it in the portal with lines and payments', async () => {
    const run = Date.now().toString(36);
    expect((await api('PUT', `/v1/companies/${client.companyId}/primary-contact`, { token: admin, body: { contactId: client.contactId } })).status).toBe(200);
    const created = await api('POST', '/v1/invoices', {
      token: admin,
      body: { companyId: client.companyId, number: `E2E-${run}`, dueDate: '2027-01-31', lines: [{ description: 'Managed services', quantity: 1, unitPrice: '500.00' }, { description: 'Onsite', quantity: 2.5, unitPrice: '90.00' }] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', total: '725.00', balance: '725.00', currency: 'USD' });
    const draft = await api('POST', '/v1/invoices', { token: admin, body: { companyId: client.companyId, number: `E2E-DRAFT-${run}`, total: '1.00' } });
    expect(draft.status).toBe(201);

    const tech = await staffToken(stack.info, 'Technician');
    expect((await api('POST', `/v1/invoices/${created.body.id}/send`, { token: tech })).status).toBe(403);
    const sent = await api('POST', `/v1/invoices/${created.body.id}/send`, { token: admin });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'sent', sentAt: expect.any(String) });
    const mail = await mailTo(client.email, `Invoice E2E-${run} for ${(await api('GET', `/v1/companies/${client.companyId}`, { token: admin })).body.name}`);
    expect(mail.body.text).toContain('Onsite: 2.5 × 90.00 = 225.00 USD');

    const key = { 'idempotency-key': `e2e-pay-${run}` };
    const first = await api('POST', `/v1/invoices/${created.body.id}/payments`, { token: admin, headers: key, body: { amount: '225.00', date: '2026-12-02', method: 'card', reference: 'ch_123' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ balance: '500.00', status: 'sent' });
    const replay = await api('POST', `/v1/invoices/${created.body.id}/payments`, { token: admin, headers: key, body: { amount: '225.00', date: '2026-12-02', method: 'card', reference: 'ch_123' } });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    const over = await api('POST', `/v1/invoices/${created.body.id}/payments`, { token: admin, body: { amount: '500.01', date: '2026-12-03', method: 'ach' } });
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('OVERPAYMENT');
    const last = await api('POST', `/v1/invoices/${created.body.id}/payments`, { token: admin, body: { amount: '500.00', date: '2026-12-03', method: 'ach' } });
    expect(last.body).toMatchObject({ balance: '0.00', status: 'paid' });

    const portal = await api('GET', '/v1/portal/invoices', { token: client.idToken });
    expect(portal.status).toBe(200);
    expect(portal.body.items.map((i: { id: string }) => i.id)).toEqual([created.body.id]);
    expect(portal.body.items[0]).toMatchObject({
      balance: '0.00',
      status: 'paid',
      lines: [
        { description: 'Managed services', quantity: 1, unitPrice: '500.00', amount: '500.00' },
        { description: 'Onsite', quantity: 2.5, unitPrice: '90.00', amount: '225.00' },
      ],
      payments: [
        { amount: '225.00', date: '2026-12-02', method: 'card', reference: 'ch_123' },
        { amount: '500.00', date: '2026-12-03', method: 'ach', reference: null },
      ],
    });

    const voided = await api('POST', `/v1/invoices/${draft.body.id}/void`, { token: admin });
    expect(voided.body).toMatchObject({ status: 'void', balance: '0.00' });
  }, 60_000);
});
