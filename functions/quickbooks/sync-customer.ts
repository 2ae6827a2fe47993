import { sqsWorker } from '../../shared/queue/worker';
import { pushInvoice } from '../../shared/quickbooks/quickbooks-invoices';
import { quickBooksQueueMessage } from '../../shared/quickbooks/quickbooks-sync.schema';
import { syncCustomer } from '../../shared/quickbooks/quickbooks.service';

/** The `quickbooks-sync` worker: customer (de)activations and invoice pushes. */
export const handler = sqsWorker(quickBooksQueueMessage, async (message, record, context) => {
  const ctx = { deadline: Date.now() + context.getRemainingTimeInMillis(), receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1 };
  if ('type' in message) await pushInvoice(message, ctx);
  else await syncCustomer(message, ctx);
});
