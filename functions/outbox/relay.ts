/** Outbox relay: the table's stream (outbox inserts only, by the mapping's filter) → the queues. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../../shared/logger';
import { relayOutbox } from '../../shared/outbox/relay';

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event) => relayOutbox(event));
