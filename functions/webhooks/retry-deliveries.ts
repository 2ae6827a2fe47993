/** Scheduled every minute (EventBridge on AWS; at start and on the same rate locally): queues the webhook attempts that are due. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../../shared/logger';
import { retryDueDeliveries } from '../../shared/webhooks/delivery';

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const report = await retryDueDeliveries();
    if (report.queued || report.skipped) logger.info('Webhook retries queued', { ...report });
    return report;
  });
