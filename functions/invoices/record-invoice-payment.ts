import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { invoiceApi } from '../../shared/invoices/invoice.api';
import { recordPayment } from '../../shared/invoices/invoice.service';

export const handler = apiHandler(invoiceApi['POST /v1/invoices/{id}/payments'], async (req) => {
  const invoice = await recordPayment(staffCaller(req), req.params.id, req.body, req.idempotency);
  return { status: 201, body: invoice, etag: invoice.version as number, location: `/v1/invoices/${req.params.id}` };
});
