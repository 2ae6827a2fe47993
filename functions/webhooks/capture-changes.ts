/** Webhook capture: the table's stream (company, contact and contract items only, by the mapping's filter) → one delivery per subscribed webhook. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../../shared/logger';
import { captureChanges } from '../../shared/webhooks/delivery';

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event) => captureChanges(event));
