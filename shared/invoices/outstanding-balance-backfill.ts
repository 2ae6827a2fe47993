/**
 * Counts invoices written before the company's owed counters (`outstandingBalance`, issue 16)
 * existed. Invoices since then are written marked (`inBalance`), and an old one is marked and
 * counted in full by its first change (shared/records/record.service.ts `changeItems`); one never
 * changed counts nothing until this marks it, in ONE transaction with the `ADD` of what it owes
 * to its company's counter, at the version read. A change that lands meanwhile fails that
 * transaction and the invoice is read again, so nothing is counted twice or missed while the API
 * runs (an invoice moved to a company already walked was marked by its move). Every invoice is marked, owed or not (a draft sent later must count),
 * those of no company and of archived companies too: this is a migration, not a change of the
 * company. When it completes it records `MIGRATION#outstanding-balances` (shared/db/migrations.ts);
 * run again, it finds nothing left to count.
 */
import { COMPANY_STATUSES } from '../companies/company.schema';
import { readIndexAll } from '../db/index-read';
import { keys } from '../db/keys';
import { transact, type TxItem } from '../db/transact';
import { retryOnStaleRead } from '../db/optimistic';
import { retryPolicies } from '../db/retry';
import { updateItem } from '../db/update';
import { recordMigration } from '../db/migrations';
import { companyCounter } from '../companies/company.repository';
import { NotFoundError, StaleReadError } from '../http/errors';
import { getRecord, type StoredRecord } from '../records/record.repository';
import { INVOICE_BALANCE_MARKER, recordKinds } from '../records/record.schema';

const kind = recordKinds.invoice;
export const OUTSTANDING_BALANCE_MIGRATION = 'outstanding-balances';
const ATTEMPTS = 8;
/** Invoices marked at once. */
const IN_FLIGHT = 8;

/** One invoice marked and counted; false when it was already marked or is gone. */
const countOne = (invoiceId: string): Promise<boolean> =>
  retryOnStaleRead(
    async () => {
      const r = await getRecord(kind, invoiceId, true);
      if (!r || r[INVOICE_BALANCE_MARKER] === true) return false;
      const marked: StoredRecord = { ...r, [INVOICE_BALANCE_MARKER]: true };
      // Its owed counter only: `outstandingInvoices` has counted every invoice since the first.
      const { outstandingInvoices: _counted, ...owed } = kind.counts(marked).company;
      const items: TxItem[] = [
        {
          item: {
            Update: updateItem(
              keys.record(kind.prefix, r.id),
              // A version step too: a change that read the invoice unmarked (and would count it in full) must not commit after this.
              { set: { [INVOICE_BALANCE_MARKER]: true }, add: { version: 1 } },
              { expression: `attribute_exists(pk) AND attribute_not_exists(#marker) AND version = :v`, names: { '#marker': INVOICE_BALANCE_MARKER }, values: { ':v': r.version } },
            ),
          },
          onConditionFailed: (old) => (old ? new StaleReadError() : new NotFoundError('invoice')),
        },
      ];
      // Whatever the company's status: the counter says what is owed, archived or not.
      if (r.companyId && Object.keys(owed).length) items.push(companyCounter(r.companyId, owed));
      try {
        await transact(items);
        return true;
      } catch (err) {
        // The invoice or its company was deleted meanwhile (a permanent delete): nothing to count.
        if (err instanceof NotFoundError) return false;
        throw err;
      }
    },
    {
      policy: { ...retryPolicies.staleRead, attempts: ATTEMPTS },
      onExhausted: () => {
        throw new Error(`Invoice ${invoiceId} kept changing; run the backfill again`);
      },
    },
  );

/** Marks and counts every unmarked invoice; returns how many. `onCompany` reports progress. */
export const backfillOutstandingBalances = async (onCompany: (companyId: string | null, counted: number) => void = () => {}): Promise<number> => {
  let total = 0;
  const perCompany = async (companyId: string | null) => {
    let counted = 0;
    let batch: string[] = [];
    const flush = async () => {
      counted += (await Promise.all(batch.map(countOne))).filter(Boolean).length;
      batch = [];
    };
    for await (const item of readIndexAll({ index: 'gsi1', partitions: keys.recordsByCompanyPartitions(kind.prefix, companyId) })) {
      if (item[INVOICE_BALANCE_MARKER] === true) continue;
      batch.push(String(item.id));
      if (batch.length >= IN_FLIGHT) await flush();
    }
    await flush();
    total += counted;
    if (counted) onCompany(companyId, counted);
  };
  await perCompany(null);
  for (const status of COMPANY_STATUSES) for await (const c of readIndexAll({ index: 'gsi1', partitions: keys.companyListPartitions(status) })) await perCompany(String(c.id));
  await recordMigration(OUTSTANDING_BALANCE_MIGRATION, { counted: total });
  return total;
};
