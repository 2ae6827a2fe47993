/**
 * Contracts through the local gateway with real cognito-local tokens: an Admin drafts a
 * contract, an MSPAdmin activates it, every staff group sees it on the renewal dashboard, and
 * the route table's groups hold (a Technician reads but may not write).
 */
import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/billing/calendar';
import { type Api, useStack } from '../support/api';

const e2e = useStack(['Admin', 'MSPAdmin', 'Technician']);
const api: Api = (...args) => e2e.api(...args);
const tokens = e2e.tokens;

describe('contracts over HTTP', () => {
  it('drafts, activates and shows a contract on the renewal dashboard', async () => {
    const company = await api('POST', '/v1/companies', { token: tokens.Admin, body: { name: `E2E Contoso ${Date.now()}` } });
    expect(company.status).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const body = {
      name: 'Managed IT',
      type: 'managed_services',
      startDate: addDays(today, -335),
      endDate: addDays(today, 30),
      autoRenew: true,
      noticeDays: 60,
      lineItems: [{ description: 'Monthly fee', kind: 'fixed', unitPrice: '1250' }],
    };
    expect((await api('POST', `/v1/companies/${company.body.id}/contracts`, { token: tokens.Technician, body })).status).toBe(403);
    expect((await api('POST', `/v1/companies/${company.body.id}/contracts`, { body })).status).toBe(401);

    const created = await api('POST', `/v1/companies/${company.body.id}/contracts`, { token: tokens.Admin, body, headers: { 'idempotency-key': `e2e-${Date.now()}` } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', currency: 'USD', lineItems: [{ unitPrice: '1250.00' }] });
    expect(created.headers.get('location')).toBe(`/v1/contracts/${created.body.id}`);
    expect(created.headers.get('etag')).toBe('"1"');

    const activated = await api('POST', `/v1/contracts/${created.body.id}/activate`, { token: tokens.MSPAdmin, headers: { 'if-match': '"1"' } });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ status: 'active', nextBillingDate: body.startDate, version: 2 });
    expect(activated.headers.get('etag')).toBe('"2"');

    // `renewals` is a path of its own, not a contract id.
    const renewals = await api('GET', '/v1/contracts/renewals?withinDays=60', { token: tokens.Technician });
    expect(renewals.status).toBe(200);
    const mine = renewals.body.items.find((r: { id: string }) => r.id === created.body.id);
    expect(mine).toMatchObject({ companyName: company.body.name, annualValue: '15000.00', autoRenew: true, noticeDeadline: addDays(today, -30), endDate: body.endDate });

    const listed = await api('GET', `/v1/contracts?companyId=${company.body.id}`, { token: tokens.Technician });
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
    expect((await api('DELETE', `/v1/contracts/${created.body.id}`, { token: tokens.Admin })).body.code).toBe('INVALID_STATE');
  });
});
