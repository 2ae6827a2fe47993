/** Scheduled daily (EventBridge on AWS; at start and on the same rate locally): renews or expires every active contract whose end date has passed. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { settleEndedContracts } from '../../shared/contracts/contract.service';
import { logger } from '../../shared/logger';

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const report = await settleEndedContracts();
    logger.info('Contracts settled', report);
    return report;
  });
