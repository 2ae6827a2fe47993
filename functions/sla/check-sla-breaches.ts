/** Scheduled every 5 minutes (EventBridge on AWS; at start and on the same rate locally): flags overdue SLA targets of open tickets. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { checkSlaBreaches } from '../../shared/sla/sla-breach-check';
import { logger } from '../../shared/logger';

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const report = await checkSlaBreaches();
    logger.info('SLA breaches checked', { ...report });
    return report;
  });
