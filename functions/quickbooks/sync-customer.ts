import { sqsWorker } from '../../shared/queue/worker';
import { quickBooksSyncMessage } from '../../shared/quickbooks/quickbooks-sync.schema';
import { syncCustomer } from '../../shared/quickbooks/quickbooks.service';

export const handler = sqsWorker(quickBooksSyncMessage, async (message, record, context) => {
  await syncCustomer(message, { deadline: Date.now() + context.getRemainingTimeInMillis(), receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1 });
});
