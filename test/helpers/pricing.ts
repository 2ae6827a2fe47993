/** Builders for the pure billing tests: a contract, a line item and a time entry with everything not under test defaulted. */
import type { PricedContract } from '../../shared/billing/contract-pricing';
import type { LineItem } from '../../shared/billing/contract.schema';
import type { BillableTime } from '../../shared/billing/time-usage';

export const contract = (c: Partial<PricedContract> & Pick<PricedContract, 'type'>): PricedContract => ({
  id: 'CONTRACT',
  currency: 'USD',
  startDate: '2027-01-01',
  endDate: null,
  billingFrequency: 'monthly',
  billingDay: null,
  lineItems: [],
  includedHours: null,
  hourlyRate: null,
  overageRate: null,
  ...c,
});
export const item = (kind: LineItem['kind'], description: string, unitPrice: string, more: Partial<LineItem> = {}): LineItem => ({
  id: `L-${description.replace(/\W+/g, '-')}`,
  kind,
  description,
  unitPrice,
  quantity: null,
  cap: null,
  ...more,
});
export const entry = (id: string, date: string, minutes: number, more: Partial<BillableTime> = {}): BillableTime => ({ id, date, minutes, billable: true, invoiceId: null, ...more });
