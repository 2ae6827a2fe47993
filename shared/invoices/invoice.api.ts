/** The invoice actions' request and response shapes (send, payments, void): handlers parse with them, OpenAPI documents them. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { recordKinds } from '../records/record.schema';
import { paymentBody, voidBody } from './invoice.schema';

const invoice = recordKinds.invoice.schema;

export const invoiceApi = {
  'POST /v1/invoices/{id}/send': {
    params: idParams,
    responses: {
      200: {
        description:
          "The invoice, `sent` with `sentAt` now; it is emailed to the company's billing contact (else its primary contact) and, when the company is linked to QuickBooks, created there once. A sent invoice may be sent again (the email only).",
        schema: invoice,
      },
    },
    errors: { 404: ['NOT_FOUND'], 409: ['INVALID_STATE', 'COMPANY_ARCHIVED', 'CONTACT_HAS_NO_EMAIL', 'CONCURRENT_CHANGE'] },
  },
  'POST /v1/invoices/{id}/payments': {
    params: idParams,
    body: paymentBody,
    responses: { 201: { description: 'The invoice with the payment: `balance` lowered, `paid` at zero; `Location` names the invoice', schema: invoice } },
    errors: { 404: ['NOT_FOUND'], 409: ['INVALID_STATE', 'OVERPAYMENT', 'COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'POST /v1/invoices/{id}/void': {
    params: idParams,
    body: voidBody.optional(),
    responses: { 200: { description: 'The invoice, `void` with balance 0 (already void: unchanged, no new audit entry)', schema: invoice } },
    errors: { 404: ['NOT_FOUND'], 409: ['INVALID_STATE', 'COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'] },
  },
} as const satisfies Record<string, RequestSpec>;
