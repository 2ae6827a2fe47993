import { apiHandler } from '../../shared/http/api-handler';
import { updateInvoice } from '../../shared/invoices/invoice.service';
import { invoiceRoutes } from '../../shared/records/record.api';

export const handler = apiHandler(invoiceRoutes.update, async (req) => {
  const invoice = await updateInvoice((req.params as { id: string }).id, req.body as Record<string, unknown>, req.ifMatch);
  return { status: 200, body: invoice, etag: invoice.version as number };
});
