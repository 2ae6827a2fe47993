/** Scheduled (EventBridge on AWS; at start and on the same rate locally): queues overdue unfinished jobs again. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { sweepJobs } from '../../shared/jobs/sweeper';
import { logger } from '../../shared/logger';

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const report = await sweepJobs();
    return { requeued: report.requeued.length, cleared: report.cleared, stalled: report.stalled.length };
  });
