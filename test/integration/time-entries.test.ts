/**
 * Time entries on a real DynamoDB Local: logged on a ticket against the company's contract,
 * usage per period exact after concurrent writes, invoiced entries frozen, archived companies
 * read-only, and the contract-time items that a billing run reads kept in step.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler as createCompany } from '../../functions/companies/create-company';
import { handler as createTicket } from '../../functions/records/create-ticket';
import { handler as updateTicket } from '../../functions/records/update-ticket';
import { handler as listEntries } from '../../functions/time-entries/list-time-entries';
import { handler as createEntry } from '../../functions/time-entries/create-time-entry';
import { handler as updateEntry } from '../../functions/time-entries/update-time-entry';
import { handler as deleteEntry } from '../../functions/time-entries/delete-time-entry';
import { handler as getUsage } from '../../functions/time-entries/get-contract-usage';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import type { StaffGroup } from '../../shared/routes';
import { useEngines } from '../support/engines';
import { call, httpEvent, invoke } from '../helpers/http-event';
import { archiveDirectly, setCompanyStatus, unbilledEntries as unbilled } from '../helpers/data';
import { ulid } from 'ulid';

useEngines();

const run = Math.random().toString(36).slice(2, 8);
const unique = (label: string) => `${label} ${run} ${Math.random().toString(36).slice(2, 8)}`;
const STAFF = 'staff-sub-1';

const newCompany = async (): Promise<string> => {
  const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body: { name: unique('Time Co') } }));
  expect(res.status).toBe(201);
  return res.body.id;
};
const newTicket = async (companyId: string): Promise<string> => {
  const res = await invoke(createTicket, httpEvent({ route: 'POST /v1/tickets', body: { companyId, subject: 'Printer' } }));
  expect(res.status).toBe(201);
  return res.body.id;
};
/** A contract through its routes: created (draft), then activated unless `status` says otherwise; `expired` as the daily schedule leaves it. */
const putContract = async (companyId: string, terms: Record<string, unknown> = {}): Promise<string> => {
  const { status = 'active', includedHours = 10, ...rest } = terms;
  const body = { name: 'Support', type: includedHours === null ? 'break_fix' : 'block_hours', startDate: '2026-01-01', includedHours, hourlyRate: '100.00', ...rest };
  const created = await call({ route: 'POST /v1/companies/{id}/contracts', params: { id: companyId }, body });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  if (status === 'draft') return id;
  expect((await call({ route: 'POST /v1/contracts/{id}/activate', params: { id } })).status).toBe(200);
  if (status === 'cancelled') expect((await call({ route: 'POST /v1/contracts/{id}/cancel', params: { id } })).status).toBe(200);
  if (status === 'expired') await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.contract(id), UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'expired' } }));
  return id;
};
const log = (ticketId: string, body: unknown, groups?: StaffGroup[]) =>
  invoke(createEntry, httpEvent({ route: 'POST /v1/tickets/{id}/time-entries', params: { id: ticketId }, body, groups, sub: STAFF }));
const patch = (id: string, body: unknown, ifMatch?: string) =>
  invoke(updateEntry, httpEvent({ route: 'PATCH /v1/time-entries/{id}', params: { id }, body, headers: ifMatch ? { 'if-match': ifMatch } : {} }));
const remove = (id: string) => invoke(deleteEntry, httpEvent({ route: 'DELETE /v1/time-entries/{id}', params: { id } }));
const usage = (contractId: string, period: string) => invoke(getUsage, httpEvent({ route: 'GET /v1/contracts/{id}/usage', params: { id: contractId }, query: { period } }));

describe('logging time', () => {
  it("logs an entry by the signed-in staff member against the ticket's company and the given contract", async () => {
    const companyId = await newCompany();
    const ticketId = await newTicket(companyId);
    const contractId = await putContract(companyId);
    const res = await log(ticketId, { date: '2026-02-03', minutes: 90, note: 'Replaced toner', contractId });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      ticketId,
      companyId,
      contractId,
      staffId: STAFF,
      date: '2026-02-03',
      minutes: 90,
      billable: true,
      afterHours: false,
      note: 'Replaced toner',
      invoiceId: null,
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.headers.location).toBe(`/v1/time-entries/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(await unbilled(companyId, contractId)).toEqual([expect.objectContaining({ entryId: res.body.id, date: '2026-02-03', minutes: 90 })]);

    const listed = await invoke(listEntries, httpEvent({ route: 'GET /v1/tickets/{id}/time-entries', params: { id: ticketId } }));
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [res.body], nextCursor: null });
  });

  it("takes the ticket's contract when none is given, and none when the ticket has none", async () => {
    const companyId = await newCompany();
    const ticketId = await newTicket(companyId);
    expect((await log(ticketId, { date: '2026-02-03', minutes: 15 })).body.contractId).toBeNull();
    const contractId = await putContract(companyId);
    // The ticket's contract as the contracts module sets it (default contract of the company, or given).
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.record('TICKET', ticketId), UpdateExpression: 'SET contractId = :c', ExpressionAttributeValues: { ':c': contractId } }));
    expect((await log(ticketId, { date: '2026-02-03', minutes: 15 })).body.contractId).toBe(contractId);
    expect((await log(ticketId, { date: '2026-02-03', minutes: 15, contractId: null })).body.contractId).toBeNull();
  });

  it('refuses a contract of another company, a cancelled or draft one, and an unknown ticket', async () => {
    const companyId = await newCompany();
    const other = await newCompany();
    const ticketId = await newTicket(companyId);
    for (const contractId of [await putContract(other), await putContract(companyId, { status: 'cancelled' }), await putContract(companyId, { status: 'draft' }), ulid()]) {
      const res = await log(ticketId, { date: '2026-02-03', minutes: 30, contractId });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CONTRACT_NOT_IN_COMPANY');
    }
    // An expired contract still takes time logged late for its last period.
    expect((await log(ticketId, { date: '2026-02-03', minutes: 30, contractId: await putContract(companyId, { status: 'expired' }) })).status).toBe(201);
    const missing = await log(ulid(), { date: '2026-02-03', minutes: 30 });
    expect(missing.status).toBe(404);
  });

  it('validates the body with JSON paths, and only technicians and admins may log', async () => {
    const ticketId = await newTicket(await newCompany());
    const bad = await log(ticketId, { date: '2026-02-30', minutes: 0, billable: 'yes', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect([...new Set(bad.body.errors.map((e: { in: string; path: string }) => `${e.in} ${e.path}`))].sort()).toEqual(['body /billable', 'body /date', 'body /extra', 'body /minutes']);
    expect((await log(ticketId, { date: '2026-02-03', minutes: 1441 })).status).toBe(400);
    expect((await log(ticketId, { date: '2026-02-03', minutes: 1.5 })).status).toBe(400);
    expect((await log(ticketId, { date: '2026-02-03', minutes: 30 }, ['ComplianceAdmin'])).status).toBe(403);
    expect((await log(ticketId, { date: '2026-02-03', minutes: 30 }, ['Technician'])).status).toBe(201);
  });

  it('an archived company takes no new time and its entries do not change', async () => {
    const companyId = await newCompany();
    const ticketId = await newTicket(companyId);
    const entry = (await log(ticketId, { date: '2026-02-03', minutes: 30 })).body;
    await archiveDirectly(companyId);
    expect((await log(ticketId, { date: '2026-02-03', minutes: 30 })).body.code).toBe('COMPANY_ARCHIVED');
    expect((await patch(entry.id, { minutes: 45 })).body.code).toBe('COMPANY_ARCHIVED');
    expect((await remove(entry.id)).body.code).toBe('COMPANY_ARCHIVED');
    await setCompanyStatus(companyId, 'active');
    expect((await patch(entry.id, { minutes: 45 })).status).toBe(200);
  });
});

describe('usage per period', () => {
  it('sums billable time per period of use, with included hours and overage, exact under concurrent logging', async () => {
    const companyId = await newCompany();
    const ticketId = await newTicket(companyId);
    const contractId = await putContract(companyId, { includedHours: 2 });
    // 12 concurrent entries of 15 minutes in February: 3 h, 1 h over the 2 included.
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => log(ticketId, { date: `2026-02-${String(i + 1).padStart(2, '0')}`, minutes: 15, contractId })));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
    // Not billable, or another month: not February's usage.
    await log(ticketId, { date: '2026-02-10', minutes: 60, billable: false, contractId });
    await log(ticketId, { date: '2026-03-01', minutes: 60, contractId });
    const feb = await usage(contractId, '2026-02');
    expect(feb.status).toBe(200);
    expect(feb.body).toEqual({ contractId, period: { from: '2026-02-01', to: '2026-02-28' }, includedHours: 2, usedHours: 3, overageHours: 1 });
    expect((await usage(contractId, '2026-03')).body).toMatchObject({ usedHours: 1, overageHours: 0 });
    expect((await usage(contractId, '2026-04')).body).toMatchObject({ usedHours: 0, includedHours: 2 });
  });

  it('follows an entry that moves in time, changes minutes, stops being billable or is deleted', async () => {
    const companyId = await newCompany();
    const ticketId = await newTicket(companyId);
    const contractId = await putContract(companyId, { includedHours: null });
    const e = (await log(ticketId, { date: '2026-02-10', minutes: 60, contractId })).body;
    expect((await usage(contractId, '2026-02')).body).toMatchObject({ includedHours: null, usedHours: 1, overageHours: 0 });
    expect((await patch(e.id, { minutes: 90 }, '"1"')).body.version).toBe(2);
    expect((await usage(contractId, '2026-02')).body.usedHours).toBe(1.5);
    expect(await unbilled(companyId, contractId)).toEqual([expect.objectContaining({ minutes: 90 })]);
    await patch(e.id, { date: '2026-03-02' });
    expect((await usage(contractId, '2026-02')).body.usedHours).toBe(0);
    expect((await usage(contractId, '2026-03')).body.usedHours).toBe(1.5);
    expect(await unbilled(companyId, contractId)).toEqual([expect.objectContaining({ date: '2026-03-02', minutes: 90 })]);
    await patch(e.id, { billable: false });
    expect((await usage(contractId, '2026-03')).body.usedHours).toBe(0);
    expect(await unbilled(companyId, contractId)).toEqual([]);
    await patch(e.id, { billable: true });
    expect((await remove(e.id)).status).toBe(204);
    expect((await usage(contractId, '2026-03')).body.usedHours).toBe(0);
    expect(await unbilled(companyId, contractId)).toEqual([]);
  });

  it('anniversary periods: the period starting in the month; a first partial period prorates included hours', async () => {
    const companyId = await newCompany();
    const ticketId = await newTicket(companyId);
    const anniversary = await putContract(companyId, { startDate: '2026-01-15', includedHours: 10 });
    await log(ticketId, { date: '2026-03-14', minutes: 60, contractId: anniversary });
    await log(ticketId, { date: '2026-03-15', minutes: 120, contractId: anniversary });
    expect((await usage(anniversary, '2026-03')).body).toEqual({ contractId: anniversary, period: { from: '2026-03-15', to: '2026-04-14' }, includedHours: 10, usedHours: 2, overageHours: 0 });
    expect((await usage(anniversary, '2026-02')).body.usedHours).toBe(1);
    // billingDay 1, starting 17 Feb 2028 (leap year): a stub of 13 of 29 days; 10 h × 13/29 = 4.48 h.
    const stub = await putContract(companyId, { startDate: '2028-02-17', billingDay: 1, includedHours: 10 });
    await log(ticketId, { date: '2028-02-01', minutes: 300, contractId: stub }); // before the start: counts towards the first period
    expect((await usage(stub, '2028-02')).body).toEqual({ contractId: stub, period: { from: '2028-02-17', to: '2028-02-29' }, includedHours: 4.48, usedHours: 5, overageHours: 0.52 });
  });

  it('404 for an unknown contract, 400 for a malformed period', async () => {
    expect((await usage(ulid(), '2026-02')).status).toBe(404);
    const res = await usage(ulid(), '2026-13');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ in: 'query', path: 'period' });
  });
});

describe('invoiced entries', () => {
  it('an entry on an invoice can no longer change or be deleted: 409 INVALID_STATE', async () => {
    const companyId = await newCompany();
    const ticketId = await newTicket(companyId);
    const e = (await log(ticketId, { date: '2026-02-10', minutes: 60 })).body;
    // As the billing run marks it, in the invoice's transaction.
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.timeEntry(e.id), UpdateExpression: 'SET invoiceId = :i', ExpressionAttributeValues: { ':i': ulid() } }));
    for (const res of [await patch(e.id, { minutes: 1 }), await remove(e.id)]) {
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('INVALID_STATE');
    }
  });

  it('billed by a run (gone from its month\'s unbilled item) but not yet stamped: frozen all the same', async () => {
    const companyId = await newCompany();
    const ticketId = await newTicket(companyId);
    const contractId = await putContract(companyId);
    const e = (await log(ticketId, { date: '2026-02-10', minutes: 60, contractId })).body;
    const other = (await log(ticketId, { date: '2026-02-11', minutes: 30, contractId })).body;
    // As the invoice's transaction leaves the month: this entry billed, the other not.
    await db().send(
      new UpdateCommand({ TableName: tableName(), Key: keys.unbilledTime(companyId, contractId, '2026-02'), UpdateExpression: 'REMOVE #e ADD v :one', ExpressionAttributeNames: { '#e': `e_${e.id}` }, ExpressionAttributeValues: { ':one': 1 } }),
    );
    for (const res of [await patch(e.id, { note: 'late edit' }), await patch(e.id, { date: '2026-03-01' }), await patch(e.id, { billable: false }), await remove(e.id)]) {
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('INVALID_STATE');
    }
    expect((await patch(other.id, { minutes: 45 })).status).toBe(200);
    expect(await unbilled(companyId, contractId)).toEqual([{ entryId: other.id, date: '2026-02-11', minutes: 45 }]);
    // Usage still counts what was billed: it is time used in the period.
    expect((await usage(contractId, '2026-02')).body.usedHours).toBe(1.75);
  });

  it('a stale If-Match is 412; a ticket that moved company is followed', async () => {
    const companyId = await newCompany();
    const ticketId = await newTicket(companyId);
    const e = (await log(ticketId, { date: '2026-02-10', minutes: 60 })).body;
    const stale = await patch(e.id, { minutes: 5 }, '"7"');
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('VERSION_MISMATCH');
    const other = await newCompany();
    expect((await invoke(updateTicket, httpEvent({ route: 'PATCH /v1/tickets/{id}', params: { id: ticketId }, body: { companyId: other } }))).status).toBe(200);
    expect((await log(ticketId, { date: '2026-02-10', minutes: 5 })).body.companyId).toBe(other);
  });
});
