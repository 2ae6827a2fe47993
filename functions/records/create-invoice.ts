import { apiHandler } from '../../shared/http/api-handler';
import { createInvoice } from '../../shared/invoices/invoice.service';
import { invoiceRoutes } from '../../shared/records/record.api';
import { recordKinds } from '../../shared/records/record.schema';
import { recordLocation } from '../../shared/records/record.service';

export const handler = apiHandler(invoiceRoutes.create, async (req) => {
  const invoice = await createInvoice(req.body as Record<string, unknown>, req.idempotency);
  return { status: 201, body: invoice, etag: invoice.version as number, location: recordLocation(recordKinds.invoice, invoice.id as string) };
});
