import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { invoiceApi } from '../../shared/invoices/invoice.api';
import { sendInvoice } from '../../shared/invoices/invoice.service';

export const handler = apiHandler(invoiceApi['POST /v1/invoices/{id}/send'], async (req) => {
  const invoice = await sendInvoice(staffCaller(req), req.params.id);
  return { status: 200, body: invoice, etag: invoice.version as number };
});
