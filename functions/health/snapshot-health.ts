/** Scheduled nightly (EventBridge on AWS; at start and on the same rate locally): keeps today's health score of every active company. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { snapshotAllHealth } from '../../shared/health/health.service';
import { logger } from '../../shared/logger';

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const report = await snapshotAllHealth();
    logger.info('Health scores kept', { ...report });
    return report;
  });
