/**
 * An invoice's amounts, in integer cents through shared/billing/money.ts: each line is
 * quantity × unitPrice rounded half-up once (`lineAmount`), the total is the sum of the lines.
 */
import { formatAmount, lineAmount, parseAmount, readAmount, sumCents, type Cents } from '../billing/money';
import { readQuantity } from '../billing/quantity';
import { ValidationError } from '../http/errors';
import type { InvoiceLine, InvoiceLineInput } from './invoice.schema';

/** Lines with their amounts, and the total, as decimal strings. */
export const priceLines = (lines: readonly InvoiceLineInput[], path = 'lines'): { lines: InvoiceLine[]; total: string } => {
  const amounts: Cents[] = [];
  const priced = lines.map((l, i) => {
    const q = readQuantity(l.quantity);
    if (!q.ok) throw new ValidationError([{ path: `${path}.${i}.quantity`, message: q.message }]);
    const amount = lineAmount(parseAmount(l.unitPrice, `${path}.${i}.unitPrice`), q.value);
    amounts.push(amount);
    return { description: l.description, quantity: l.quantity, unitPrice: formatAmount(parseAmount(l.unitPrice, `${path}.${i}.unitPrice`)), amount: formatAmount(amount) };
  });
  return { lines: priced, total: formatAmount(sumCents(amounts)) };
};

/** A stored amount ("1250.00", possibly negative on a hand-made credit) in cents. */
export const centsOf = (stored: unknown): Cents => {
  // Amounts stored before money.ts may carry leading zeros ("007.50").
  const r = readAmount(String(stored ?? '0.00').replace(/^(-?)0+(?=\d)/, '$1'), { allowNegative: true });
  if (!r.ok) throw new Error(`Stored amount ${String(stored)} is not a decimal amount`);
  return r.value;
};
