/**
 * After-hours time through the handlers, on real DynamoDB Local and real queues: the flag on
 * time entries (default false, frozen once invoiced, read as false on entries from before it),
 * the contract-time items that follow it (day totals' `afterHoursMinutes`, the unbilled item's
 * flag), the usage route leaving after-hours time out while the company has an after-hours
 * rate, and billing runs pricing it apart at that rate (invoice lines worked out by hand).
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler as worker } from '../../functions/billing-runs/run-billing';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { unbilledEntries } from '../helpers/data';
import { call, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true });
const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const ctx = (): Context => ({ ...lambdaContext, getRemainingTimeInMillis: () => 300_000 }) as Context;

const company = async () => (await call({ route: 'POST /v1/companies', body: { name: unique('After Hours Co') } })).body.id as string;
const setRates = async (companyId: string, hourlyRate: string | null, afterHoursRate: string | null) =>
  expect((await call({ route: 'PUT /v1/companies/{id}/settings', params: { id: companyId }, body: { billingRates: { hourlyRate, afterHoursRate } } })).status).toBe(200);
const contract = async (companyId: string, body: Record<string, unknown>) => {
  const res = await call({ route: 'POST /v1/companies/{id}/contracts', params: { id: companyId }, body: { name: 'Support', startDate: '2026-01-01', ...body } });
  expect(res.status).toBe(201);
  expect((await call({ route: 'POST /v1/contracts/{id}/activate', params: { id: res.body.id } })).status).toBe(200);
  return res.body.id as string;
};
const block = (includedHours: number) => ({ type: 'block_hours', includedHours, overageRate: '120.00', lineItems: [{ description: 'Block', kind: 'fixed', unitPrice: '300.00' }] });
const ticket = async (companyId: string) => (await call({ route: 'POST /v1/tickets', body: { companyId, subject: 'Night work' } })).body.id as string;
const log = async (ticketId: string, body: Record<string, unknown>) => {
  const res = await call({ route: 'POST /v1/tickets/{id}/time-entries', params: { id: ticketId }, body });
  expect(res.status).toBe(201);
  return res.body as { id: string; afterHours: boolean; version: number };
};
const patch = (id: string, body: unknown) => call({ route: 'PATCH /v1/time-entries/{id}', params: { id }, body });
const usage = async (contractId: string, period: string) => (await call({ route: 'GET /v1/contracts/{id}/usage', params: { id: contractId }, query: { period } })).body;
const day = async (companyId: string, contractId: string, date: string) =>
  (await db().send(new GetCommand({ TableName: tableName(), Key: keys.contractTimeDay(companyId, contractId, date), ConsistentRead: true }))).Item;
const unbilled = async (companyId: string, contractId: string) => (await unbilledEntries(companyId, contractId)).sort((a, b) => (a.entryId < b.entryId ? -1 : 1));

const startRun = async (companyId: string, through: string) => expect((await call({ route: 'POST /v1/billing-runs', body: { through, companyId } })).status).toBe(202);
const drain = async () => {
  for (let i = 0; i < 50; i++) if ((await engines.queues.deliver('billing', (e: SQSEvent) => worker(e as never, ctx()) as Promise<unknown>)) === 0) return;
  throw new Error('billing queue never emptied');
};
type Line = { description: string; quantity: number; unitPrice: string; amount: string };
const invoicesOf = async (companyId: string) =>
  ((await call({ route: 'GET /v1/invoices', query: { companyId, limit: '100' } })).body.items as { id: string; dueDate: string; total: string; lines: Line[] }[]).sort((a, b) =>
    a.dueDate < b.dueDate ? -1 : 1,
  );
const table = (lines: Line[]) => lines.map((l) => [l.description, l.quantity, l.unitPrice, l.amount]);
const JAN = '2026-01-01 to 2026-01-31';

describe('the after-hours flag on time entries', () => {
  it('defaults to false, is shown and validated, and follows the entry onto its contract-time items', async () => {
    const co = await company();
    const c = await contract(co, block(10));
    const t = await ticket(co);
    expect((await log(t, { date: '2026-02-03', minutes: 30, contractId: c })).afterHours).toBe(false);
    const night = await log(t, { date: '2026-02-03', minutes: 45, contractId: c, afterHours: true });
    expect(night.afterHours).toBe(true);
    const listed = await call({ route: 'GET /v1/tickets/{id}/time-entries', params: { id: t } });
    expect(listed.body.items.map((e: { afterHours: boolean }) => e.afterHours).sort()).toEqual([false, true]);
    const bad = await call({ route: 'POST /v1/tickets/{id}/time-entries', params: { id: t }, body: { date: '2026-02-03', minutes: 30, afterHours: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ in: 'body', path: '/afterHours' })]);

    // The day counts all of it and the after-hours part; the unbilled item flags the after-hours entry only.
    expect(await day(co, c, '2026-02-03')).toMatchObject({ minutes: 75, afterHoursMinutes: 45 });
    expect((await unbilled(co, c)).find((e) => e.entryId === night.id)).toEqual({ entryId: night.id, date: '2026-02-03', minutes: 45, afterHours: true });
    expect((await unbilled(co, c)).find((e) => e.entryId !== night.id)).not.toHaveProperty('afterHours');

    // A PATCH of the flag alone moves the minutes between the two; the day's total stays.
    expect((await patch(night.id, { afterHours: false })).body).toMatchObject({ afterHours: false, version: 2 });
    expect(await day(co, c, '2026-02-03')).toMatchObject({ minutes: 75, afterHoursMinutes: 0 });
    expect((await unbilled(co, c)).find((e) => e.entryId === night.id)).toEqual({ entryId: night.id, date: '2026-02-03', minutes: 45 });
    // With a move to another day and month at once: each day's figures follow.
    await patch(night.id, { afterHours: true, date: '2026-03-02', minutes: 50 });
    expect(await day(co, c, '2026-02-03')).toMatchObject({ minutes: 30, afterHoursMinutes: 0 });
    expect(await day(co, c, '2026-03-02')).toMatchObject({ minutes: 50, afterHoursMinutes: 50 });
    // Not billable: gone from both.
    await patch(night.id, { billable: false });
    expect(await day(co, c, '2026-03-02')).toMatchObject({ minutes: 0, afterHoursMinutes: 0 });
    expect((await unbilled(co, c)).map((e) => e.entryId)).not.toContain(night.id);
  });

  it('an entry written before the flag reads as ordinary time, and takes the flag like any other', async () => {
    const co = await company();
    const c = await contract(co, block(10));
    const t = await ticket(co);
    const old = await log(t, { date: '2026-02-03', minutes: 30, contractId: c });
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.timeEntry(old.id), UpdateExpression: 'REMOVE afterHours' }));
    expect((await call({ route: 'GET /v1/tickets/{id}/time-entries', params: { id: t } })).body.items[0]).toMatchObject({ id: old.id, afterHours: false });
    expect((await patch(old.id, { afterHours: true })).body).toMatchObject({ afterHours: true, version: 2 });
    expect(await day(co, c, '2026-02-03')).toMatchObject({ minutes: 30, afterHoursMinutes: 30 });
  });
});

describe('usage and after-hours time', () => {
  it('usedHours leaves after-hours time out while the company has an after-hours rate; exact under concurrent logging and toggling', async () => {
    const co = await company();
    const c = await contract(co, block(2));
    const t = await ticket(co);
    // 8 entries of 15 min at once, every other one after hours: 1 h ordinary, 1 h after hours; then 30 min more ordinary.
    const logged = await Promise.all(Array.from({ length: 8 }, (_, i) => log(t, { date: `2026-02-${String(i + 1).padStart(2, '0')}`, minutes: 15, contractId: c, afterHours: i % 2 === 0 })));
    await log(t, { date: '2026-02-20', minutes: 30, contractId: c });
    const feb = { contractId: c, period: { from: '2026-02-01', to: '2026-02-28' }, includedHours: 2 };
    // No after-hours rate: all of it is ordinary time.
    expect(await usage(c, '2026-02')).toEqual({ ...feb, usedHours: 2.5, overageHours: 0.5 });
    await setRates(co, '100.00', '150.00');
    expect(await usage(c, '2026-02')).toEqual({ ...feb, usedHours: 1.5, overageHours: 0 });
    // Four PATCHes at once turn the after-hours entries into ordinary time: all of it counts again.
    const toggled = await Promise.all(logged.filter((e) => e.afterHours).map((e) => patch(e.id, { afterHours: false })));
    expect(toggled.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await usage(c, '2026-02')).toEqual({ ...feb, usedHours: 2.5, overageHours: 0.5 });
    await Promise.all(logged.slice(0, 6).map((e) => patch(e.id, { afterHours: true })));
    expect(await usage(c, '2026-02')).toEqual({ ...feb, usedHours: 1, overageHours: 0 });
    // The rate cleared: ordinary time again.
    await setRates(co, '100.00', null);
    expect(await usage(c, '2026-02')).toEqual({ ...feb, usedHours: 2.5, overageHours: 0.5 });
  });
});

describe('billing runs and after-hours time', () => {
  /** January's time on a contract with 2 included hours: 90 min ordinary and 75 min after hours, two of the entries toggled before the run. */
  const januaryTime = async (co: string, c: string) => {
    const t = await ticket(co);
    await log(t, { date: '2026-01-10', minutes: 60, contractId: c });
    const a1 = await log(t, { date: '2026-01-11', minutes: 50, contractId: c, afterHours: true });
    const t1 = await log(t, { date: '2026-01-12', minutes: 25, contractId: c });
    const t2 = await log(t, { date: '2026-01-13', minutes: 30, contractId: c, afterHours: true });
    expect((await patch(t1.id, { afterHours: true })).status).toBe(200); // 25 min: now after hours
    expect((await patch(t2.id, { afterHours: false })).status).toBe(200); // 30 min: now ordinary
    await log(t, { date: '2026-01-14', minutes: 45, contractId: c, afterHours: true, billable: false });
    await log(t, { date: '2026-01-15', minutes: 45, contractId: null, afterHours: true });
    return { t, a1, t1, t2 };
  };

  it('bills after-hours time on its own line at the rate set when the run comes; late time for the period adds what it would have on time', async () => {
    const co = await company();
    const c = await contract(co, block(2));
    const { t, a1, t1 } = await januaryTime(co, c);
    // The rate set after the time was logged: the run bills at what the settings hold when it runs.
    await setRates(co, '100.00', '187.50');
    await startRun(co, '2026-02-01');
    await drain();
    const [jan, feb] = await invoicesOf(co);
    expect(table(jan!.lines)).toEqual([['Block, 2026-01-01 to 2026-01-31', 1, '300.00', '300.00']]);
    expect(table(feb!.lines)).toEqual([
      ['Block, 2026-02-01 to 2026-02-28', 1, '300.00', '300.00'],
      [`Support time, included hours, ${JAN}`, 1.5, '0.00', '0.00'], // 90 min ordinary, within the 2 h
      [`Support time, after hours, ${JAN}`, 1.25, '187.50', '234.38'], // 75 min: 234.375 half-up
    ]);
    expect(feb!.total).toBe('534.38');
    // Frozen once invoiced, the flag as much as the rest.
    for (const e of [a1, t1]) expect((await patch(e.id, { afterHours: false })).body.code).toBe('INVALID_STATE');
    const stamped = (await call({ route: 'GET /v1/tickets/{id}/time-entries', params: { id: t } })).body.items as { contractId: string | null; billable: boolean; invoiceId: string | null }[];
    expect(stamped.filter((e) => e.invoiceId === feb!.id)).toHaveLength(4);
    expect(stamped.filter((e) => e.invoiceId === null)).toHaveLength(2); // the unbillable one and the one without a contract

    // Late January time: 60 min ordinary (30 of the included 2 h were left: the after-hours 75 min took none of them)
    // and 20 min after hours (95 min = 1.58 h in all: 1.58 − 1.25 = 0.33 h, 296.25 − 234.38 = 61.87).
    await log(t, { date: '2026-01-28', minutes: 60, contractId: c });
    await log(t, { date: '2026-01-29', minutes: 20, contractId: c, afterHours: true });
    await startRun(co, '2026-03-01');
    await drain();
    const mar = (await invoicesOf(co))[2]!;
    expect(table(mar.lines)).toEqual([
      ['Block, 2026-03-01 to 2026-03-31', 1, '300.00', '300.00'],
      [`Support time, included hours, ${JAN}`, 0.5, '0.00', '0.00'],
      [`Support time, hours beyond the 2 h included, ${JAN}`, 0.5, '120.00', '60.00'],
      [`Support time, after hours, ${JAN}`, 0.33, '187.50', '61.87'],
    ]);
    expect(mar.total).toBe('421.87');
    // Usage of January: the ordinary 150 min only.
    expect(await usage(c, '2026-01')).toMatchObject({ includedHours: 2, usedHours: 2.5, overageHours: 0.5 });
  });

  it('without an after-hours rate, after-hours time is ordinary time: it draws on the included hours and bills as overage', async () => {
    const co = await company();
    const c = await contract(co, block(2));
    await januaryTime(co, c);
    await setRates(co, '100.00', null);
    await startRun(co, '2026-02-01');
    await drain();
    const feb = (await invoicesOf(co))[1]!;
    // 165 min: 2 h included, 45 min (0.75 h) over at 120.00.
    expect(table(feb.lines)).toEqual([
      ['Block, 2026-02-01 to 2026-02-28', 1, '300.00', '300.00'],
      [`Support time, included hours, ${JAN}`, 2, '0.00', '0.00'],
      [`Support time, hours beyond the 2 h included, ${JAN}`, 0.75, '120.00', '90.00'],
    ]);
    expect(feb.total).toBe('390.00');
    expect(await usage(c, '2026-01')).toMatchObject({ usedHours: 2.75, overageHours: 0.75 });
  });
});
