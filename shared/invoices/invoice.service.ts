/**
 * Invoice rules (API.md v1.1 "Billing runs and invoices") on top of the generic record rules:
 * lines priced in cents, the currency default, sending (email to the billing contact and, for
 * a company linked to QuickBooks, one push there), payments that can never overpay, and void.
 * Every change is one transaction at the version read, with the company's outstanding-invoice
 * counter, its active guard, the audit entry and the outbox items.
 */
import { ulid } from 'ulid';
import { appendAudit } from '../audit/audit.repository';
import { formatAmount } from '../billing/money';
import { companyArchived } from '../companies/company.repository';
import { getContact } from '../contacts/contact.repository';
import { retryPolicies } from '../db/retry';
import { retryOnStaleRead } from '../db/optimistic';
import { transact, type TxItem } from '../db/transact';
import { mspCurrency } from '../billing/msp-defaults';
import type { Caller } from '../http/caller';
import { ConflictError, NotFoundError, StaleReadError, ValidationError } from '../http/errors';
import { recordIdempotent, replayIfRecorded, type IdempotencyContext } from '../http/idempotency';
import { publishEvent } from '../notifications/domain-events';
import { mailItem } from '../mail/mail.service';
import { requestQuickBooksInvoice } from '../quickbooks/quickbooks-sync.schema';
import { getRecord, toResource, type StoredRecord } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import { changeItems, createRecord, recordLocation, updateRecord } from '../records/record.service';
import { centsOf, priceLines } from './invoice-pricing';
import { getCompanyBilling, type CompanyBilling } from './invoice.repository';
import { MAX_PAYMENTS, type InvoiceLine, type InvoiceLineInput, type Payment, type PaymentInput } from './invoice.schema';

const kind = recordKinds.invoice;

export const invalidState = (detail: string) => new ConflictError('INVALID_STATE', detail);

const linesOf = (r: StoredRecord): InvoiceLine[] => (r.lines as InvoiceLine[] | undefined) ?? [];
const paymentsOf = (r: StoredRecord): Payment[] => (r.payments as Payment[] | undefined) ?? [];

/** `lines` given and not empty: priced, and the total is their sum (a `total` sent beside them must be that sum). */
const withPricedLines = (input: Record<string, unknown>): Record<string, unknown> => {
  const lines = input.lines as InvoiceLineInput[] | undefined;
  if (!lines?.length) return input;
  const priced = priceLines(lines);
  if (input.total !== undefined && centsOf(input.total) !== centsOf(priced.total)) {
    throw new ValidationError([{ path: 'total', message: `Must be the sum of the lines (${priced.total}), or left out` }]);
  }
  return { ...input, lines: priced.lines, total: priced.total };
};

/** `POST /v1/invoices`: a manual invoice (total given) or one with lines; currency from the company, else the stack's. */
export const createInvoice = async (input: Record<string, unknown>, idempotency?: IdempotencyContext) => {
  const complete = withPricedLines(input);
  if (complete.total === undefined) throw new ValidationError([{ path: 'total', message: 'Required when no lines are sent' }]);
  const currency = (complete.currency as string | undefined) ?? (await getCompanyBilling(String(input.companyId)))?.currency ?? mspCurrency();
  return createRecord(kind, { ...complete, lines: complete.lines ?? [], currency }, idempotency);
};

/**
 * `PATCH /v1/invoices/{id}`: today's fields as before; lines and currency only while a draft
 * (a sent invoice is what the client received); nothing that moves money once payments exist
 * (they move it); with lines, the total is theirs and a draft's balance follows it.
 */
export const updateInvoice = (id: string, input: Record<string, unknown>, ifMatch: number | '*' | undefined) =>
  updateRecord(kind, id, input, ifMatch, (before, sent) => {
    if (paymentsOf(before).length && ['total', 'balance', 'status', 'lines', 'currency'].some((f) => f in sent)) {
      throw invalidState('The invoice has payments: its amounts and status change only through payments.');
    }
    if (('lines' in sent || 'currency' in sent) && before.status !== 'draft') throw invalidState('Lines and currency change only while the invoice is a draft.');
    if ('lines' in sent) {
      const priced = withPricedLines(sent);
      return (sent.lines as unknown[]).length ? { ...priced, balance: priced.total } : priced;
    }
    if ('total' in sent && linesOf(before).length && centsOf(sent.total) !== centsOf(before.total)) {
      throw new ValidationError([{ path: 'total', message: `The total is the sum of the lines (${String(before.total)}); change the lines instead` }]);
    }
    return sent;
  });

/** The company's billing contact, else its primary contact (a billing contact that has left the company does not count). */
const billingRecipient = async (company: CompanyBilling): Promise<{ id: string; email: string; firstName: string }> => {
  const billing = company.billingContactId ? await getContact(company.billingContactId, true) : undefined;
  const contact = billing?.companyId === company.id ? billing : company.primaryContactId ? await getContact(company.primaryContactId, true) : undefined;
  if (!contact) throw new ConflictError('CONTACT_HAS_NO_EMAIL', 'The company has neither a billing contact nor a primary contact to email the invoice to.');
  if (!contact.email) throw new ConflictError('CONTACT_HAS_NO_EMAIL', "The company's billing contact has no email address to send the invoice to.");
  return { id: contact.id, email: contact.email, firstName: contact.firstName };
};

const invoiceMail = (r: StoredRecord, company: CompanyBilling, to: { email: string; firstName: string }) => {
  const currency = String(r.currency);
  const lines = linesOf(r).map((l) => `  ${l.description}: ${l.quantity} × ${l.unitPrice} = ${l.amount} ${currency}`);
  return {
    to: [to.email],
    subject: `Invoice ${String(r.number)} for ${company.name}`,
    text: [
      `Hello ${to.firstName},`,
      '',
      `Here is invoice ${String(r.number)} for ${company.name}.`,
      ...(lines.length ? ['', ...lines] : []),
      '',
      `Total: ${String(r.total)} ${currency}`,
      `Balance due: ${String(r.balance)} ${currency}`,
      ...(r.dueDate ? [`Due date: ${String(r.dueDate)}`] : []),
      '',
      'You can see your invoices and payments in the support portal.',
    ].join('\n'),
  };
};

/**
 * `before` (read at its version) becomes `after`, with its counters: conditional on the version
 * read, so two concurrent changes (two payments) never both apply; the loser re-reads.
 */
const changeInvoice = (before: StoredRecord, after: StoredRecord, changed: string[]): TxItem[] =>
  changeItems(kind, before, after, changed, (old) => (old ? new StaleReadError() : new NotFoundError('invoice')));

const audit = (caller: Caller, r: StoredRecord, action: 'invoice.sent' | 'invoice.payment_recorded' | 'invoice.voided', changes: Record<string, { from?: unknown; to: unknown }>, at: string, reason?: string | null): TxItem =>
  appendAudit({ companyId: r.companyId!, actor: caller, action, changes: { invoiceId: { to: r.id }, number: { to: r.number }, ...changes }, version: { from: r.version, to: r.version + 1 }, reason, at });

/** The invoice at the next version, as `changes` leave it. */
const next = (before: StoredRecord, changes: Record<string, unknown>, now: string): StoredRecord => ({ ...before, ...changes, version: before.version + 1, updatedAt: now });

/**
 * `POST /v1/invoices/{id}/send`: a draft (or a sent invoice, to send it again) becomes `sent`,
 * `sentAt` now, and is emailed to the company's billing contact (else its primary contact).
 * A company linked to QuickBooks gets the invoice created there, once (the first send queues
 * it; the worker finds one made by an earlier attempt by its DocNumber).
 */
export const sendInvoice = (caller: Caller, id: string) =>
  retryOnStaleRead(async () => {
    const before = await getRecord(kind, id, true);
    if (!before) throw new NotFoundError('invoice');
    if (before.status !== 'draft' && before.status !== 'sent') throw invalidState(`A ${String(before.status)} invoice cannot be sent.`);
    if (!before.companyId) throw invalidState('The invoice has no company to send it to.');
    const company = await getCompanyBilling(before.companyId);
    if (!company) throw new NotFoundError('company');
    if (company.status !== 'active') throw companyArchived();
    const recipient = await billingRecipient(company);
    const now = new Date().toISOString();
    const pushToQuickBooks = !!company.quickBooksCustomerId && !before.quickBooksInvoiceId && before.quickBooksSyncStatus !== 'pending';
    const after = next(before, { status: 'sent', sentAt: now, ...(pushToQuickBooks ? { quickBooksSyncStatus: 'pending', quickBooksLastError: null } : {}) }, now);
    const changed = ['status', 'sentAt', ...(pushToQuickBooks ? ['quickBooksSyncStatus', 'quickBooksLastError'] : [])];
    await transact([
      ...changeInvoice(before, after, changed),
      (await mailItem({ ...invoiceMail(after, company, recipient), companyId: company.id })).item,
      // Notification rules may tell more contacts; the one mailed the invoice itself is not told again.
      publishEvent({
        type: 'invoice.sent',
        companyId: before.companyId,
        occurredAt: now,
        subject: { kind: 'invoice', id, title: `Invoice ${String(after.number)}` },
        detail: `Total ${String(after.total)} ${String(after.currency)}${after.dueDate ? `, due ${String(after.dueDate)}` : ''}`,
        informed: [recipient.id],
      }),
      ...(pushToQuickBooks ? [requestQuickBooksInvoice({ type: 'invoice', id: ulid(), invoiceId: id, requestedAt: now })] : []),
      audit(caller, before, 'invoice.sent', { status: { from: before.status, to: 'sent' }, sentAt: { from: before.sentAt ?? null, to: now }, sentTo: { to: recipient.email } }, now),
    ]);
    return toResource(kind, after);
  });

/**
 * `POST /v1/invoices/{id}/payments`: only on a `sent` invoice; lowers the balance, and at zero
 * the invoice is `paid`; more than the balance is 409 OVERPAYMENT. Written at the version read,
 * so of two concurrent payments the second re-reads the lowered balance (and may overpay no more).
 */
export const recordPayment = async (caller: Caller, id: string, input: PaymentInput, idempotency?: IdempotencyContext) => {
  await replayIfRecorded(idempotency);
  return retryOnStaleRead(async () => {
    const before = await getRecord(kind, id, true);
    if (!before) throw new NotFoundError('invoice');
    if (before.status !== 'sent') throw invalidState(`A payment applies to a sent invoice; this one is ${String(before.status)}.`);
    const payments = paymentsOf(before);
    if (payments.length >= MAX_PAYMENTS) throw invalidState(`The invoice already has ${MAX_PAYMENTS} payments, the most one invoice holds.`);
    const balance = centsOf(before.balance);
    const amount = centsOf(input.amount);
    if (amount > balance) throw new ConflictError('OVERPAYMENT', `The payment (${input.amount}) is more than the balance (${formatAmount(balance)}).`);
    const left = formatAmount(balance - amount);
    const payment: Payment = { id: ulid(), amount: formatAmount(amount), date: input.date, method: input.method, reference: input.reference ?? null };
    const now = new Date().toISOString();
    const status = balance - amount === 0 ? 'paid' : 'sent';
    const after = next(before, { balance: left, status, payments: [...payments, payment] }, now);
    const resource = toResource(kind, after);
    await transact([
      ...recordIdempotent(idempotency, { status: 201, body: resource, headers: { location: recordLocation(kind, id), etag: `"${after.version}"` } }),
      ...changeInvoice(before, after, ['balance', 'status', 'payments']),
      audit(caller, before, 'invoice.payment_recorded', { balance: { from: before.balance, to: left }, status: { from: before.status, to: status }, payment: { to: payment } }, now),
    ]);
    return resource;
  }, retryPolicies.hotItem);
};

/**
 * `POST /v1/invoices/{id}/void`: a draft, or a sent invoice nothing was paid on, becomes `void`
 * with balance 0. Paid, or with payments: 409 INVALID_STATE. Already void: 200, unchanged, no
 * new audit entry (as archiving an archived company).
 */
export const voidInvoice = (caller: Caller, id: string, reason?: string) =>
  retryOnStaleRead(async () => {
    const before = await getRecord(kind, id, true);
    if (!before) throw new NotFoundError('invoice');
    if (before.status === 'void') return toResource(kind, before);
    if (before.status === 'paid' || paymentsOf(before).length) throw invalidState('An invoice with payments cannot be voided.');
    const now = new Date().toISOString();
    const after = next(before, { status: 'void', balance: '0.00' }, now);
    await transact([
      ...changeInvoice(before, after, ['status', 'balance']),
      ...(before.companyId ? [audit(caller, before, 'invoice.voided', { status: { from: before.status, to: 'void' }, balance: { from: before.balance, to: '0.00' } }, now, reason ?? null)] : []),
    ]);
    return toResource(kind, after);
  });
