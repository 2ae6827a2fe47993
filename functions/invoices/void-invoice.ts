import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { invoiceApi } from '../../shared/invoices/invoice.api';
import { voidInvoice } from '../../shared/invoices/invoice.service';

export const handler = apiHandler(invoiceApi['POST /v1/invoices/{id}/void'], async (req) => {
  const invoice = await voidInvoice(staffCaller(req), req.params.id, req.body?.reason);
  return { status: 200, body: invoice, etag: invoice.version as number };
});
