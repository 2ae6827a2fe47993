/**
 * The one way to write an SQS worker: each record's body is parsed with its zod schema and
 * processed on its own; a record that throws is reported in `batchItemFailures`, so SQS retries
 * only it and, after `maxReceiveCount` deliveries, moves it to the dead-letter queue.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod';
import { logger } from '../logger';

export const sqsWorker = <S extends z.ZodType>(schema: S, process: (message: z.output<S>, record: SQSRecord, context: Context) => Promise<void>) => {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord, context: Context): Promise<void> => {
    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch {
      throw new Error(`Message ${record.messageId} is not JSON`);
    }
    const message = schema.parse(json);
    try {
      await process(message, record, context);
    } catch (err) {
      logger.error('Record failed', { messageId: record.messageId, receiveCount: record.attributes.ApproximateReceiveCount, error: err as Error });
      throw err;
    }
  };
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler((event: SQSEvent, context: Context) => processPartialResponse(event, recordHandler, processor, { context }));
};
