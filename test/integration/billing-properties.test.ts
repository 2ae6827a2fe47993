/**
 * The billing run's promise as a property, through the real table (fast-check): for random
 * contracts and time entries, logged before and between runs (late time included), any
 * sequence of runs bills every billable minute exactly once, never a non-billable one, and
 * every invoice's total is the sum of its lines; some of the time is after hours, and some
 * companies bill it apart at an after-hours rate. (The pure rules have their own properties in
 * test/unit/billing-properties.test.ts; this one proves what the table keeps.)
 */
import fc from 'fast-check';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { billContract } from '../../shared/billing-runs/billing-run.service';
import { getRecord } from '../../shared/records/record.repository';
import { recordKinds } from '../../shared/records/record.schema';
import { parseAmount } from '../../shared/billing/money';
import { call } from '../helpers/http-event';
import { useEngines } from '../support/engines';

useEngines();
const run = Math.random().toString(36).slice(2, 8);
let n = 0;

const RUN_DATES = ['2026-02-01', '2026-03-01', '2026-04-01', '2026-05-01'] as const;

const entryArb = fc.record({
  month: fc.integer({ min: 1, max: 4 }),
  day: fc.integer({ min: 1, max: 28 }),
  minutes: fc.integer({ min: 1, max: 300 }),
  billable: fc.boolean(),
  afterHours: fc.boolean(),
  /** Logged before the first run (0) or after run k (late for the months it already billed). */
  loggedAfter: fc.integer({ min: 0, max: 3 }),
});

describe('billing runs over the table', () => {
  it('bill every billable minute exactly once over any sequence of runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
        fc.option(fc.integer({ min: 100, max: 5000 }), { nil: null }),
        fc.array(entryArb, { maxLength: 10 }),
        fc.subarray([0, 1, 2], { minLength: 0 }),
        fc.option(fc.constantFrom('0.00', '99.99', '187.50'), { nil: null }),
        async (includedHours, capCents, entries, extraRuns, afterHoursRate) => {
          const co = (await call({ route: 'POST /v1/companies', body: { name: `Prop ${run} ${++n}` } })).body.id as string;
          if (afterHoursRate !== null) {
            const put = await call({ route: 'PUT /v1/companies/{id}/settings', params: { id: co }, body: { billingRates: { hourlyRate: null, afterHoursRate } } });
            expect(put.status).toBe(200);
          }
          const hourly = { description: 'Support', kind: 'hourly', unitPrice: '120.00', cap: capCents === null ? null : (capCents / 100).toFixed(2) };
          const terms =
            includedHours === null
              ? { type: 'break_fix', lineItems: [hourly] }
              : { type: 'block_hours', includedHours, overageRate: '150.00', lineItems: [{ description: 'Block', kind: 'fixed', unitPrice: '300.00' }, hourly] };
          const created = await call({ route: 'POST /v1/companies/{id}/contracts', params: { id: co }, body: { name: 'Prop', startDate: '2026-01-01', ...terms } });
          expect(created.status).toBe(201);
          const contractId = created.body.id as string;
          await call({ route: 'POST /v1/contracts/{id}/activate', params: { id: contractId } });
          const ticket = (await call({ route: 'POST /v1/tickets', body: { companyId: co, subject: 'Prop' } })).body.id as string;

          const logged = new Map<string, { minutes: number; billable: boolean }>();
          const logBatch = async (after: number) => {
            for (const e of entries.filter((x) => x.loggedAfter === after)) {
              const date = `2026-${String(e.month).padStart(2, '0')}-${String(e.day).padStart(2, '0')}`;
              const res = await call({ route: 'POST /v1/tickets/{id}/time-entries', params: { id: ticket }, body: { date, minutes: e.minutes, billable: e.billable, afterHours: e.afterHours, contractId } });
              expect(res.status).toBe(201);
              logged.set(res.body.id, { minutes: e.minutes, billable: e.billable });
            }
          };
          // Runs on some of the first three dates, and always on the last; entries come in between.
          const runs = [...extraRuns.sort(), 3];
          await logBatch(0);
          for (const [i, r] of runs.entries()) {
            await billContract(contractId, RUN_DATES[r]!, ulid());
            for (let k = (runs[i - 1] ?? -1) + 1; k <= r; k++) if (k > 0) await logBatch(k);
          }
          // Whatever was logged after the last run is billed by one more.
          await billContract(contractId, '2026-06-01', ulid());

          const ids: string[] = (await call({ route: 'GET /v1/invoices', query: { companyId: co, limit: '100' } })).body.items.map((i: { id: string }) => i.id);
          const invoices = await Promise.all(ids.map((id) => getRecord(recordKinds.invoice, id, true)));
          const billed = invoices.flatMap((i) => (i!.timeEntryIds as string[]) ?? []);
          expect(new Set(billed).size).toBe(billed.length);
          const billableIds = [...logged].filter(([, e]) => e.billable).map(([id]) => id);
          expect(billed.sort()).toEqual(billableIds.sort());
          for (const inv of invoices) {
            const lines = (inv!.lines as { amount: string }[]) ?? [];
            expect(parseAmount(inv!.total, 'total')).toBe(lines.reduce((s, l) => s + parseAmount(l.amount, 'amount'), 0));
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 300_000);
});
