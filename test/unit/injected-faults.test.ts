/**
 * Faults a local engine cannot be made to show, injected with aws-sdk-client-mock: transactions
 * cancelled by a conflict or a failed condition, throttling of a transaction's items and of
 * whole requests, unprocessed batch items, and a failed SQS send. They test the one retry policy
 * (shared/db/retry.ts: jittered exponential backoff, more attempts for the hot company item than
 * three) and that whatever persists reaches the client as a problem+json `409`/`429` (or an
 * opaque `500`), never the SDK's error. Waits go through `retryClock.sleep`, replaced here so the
 * waits are seen, not spent.
 */
import { ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as createCompany } from '../../functions/companies/create-company';
import { batchGet } from '../../shared/db/batch';
import { db, resetDbClient } from '../../shared/db/client';
import { countAndGuard } from '../../shared/db/counters';
import { keys } from '../../shared/db/keys';
import { backoffDelay, retryClock, retryPolicies, SDK_MAX_ATTEMPTS } from '../../shared/db/retry';
import { transact } from '../../shared/db/transact';
import { ENV, queueUrlEnv, resetEnvCache } from '../../shared/env';
import { ConflictError, StaleReadError } from '../../shared/http/errors';
import { retryOnStaleRead } from '../../shared/db/optimistic';
import { logger } from '../../shared/logger';
import { resetQueueClient, sendToQueue } from '../../shared/queue/send';
import { enqueue } from '../../shared/outbox/outbox';
import { relayOutbox } from '../../shared/outbox/relay';
import { httpEvent } from '../helpers/http-event';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
let waits: number[];
/** Faults injected, for docs/security.md. */
let injected = 0;

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', [ENV.TABLE_NAME]: 'faults', [queueUrlEnv('mail')]: 'https://sqs.us-east-1.amazonaws.com/000000000000/mail', [queueUrlEnv('imports')]: 'https://sqs.us-east-1.amazonaws.com/000000000000/imports' });
  resetEnvCache();
  resetDbClient();
  resetQueueClient();
});
beforeEach(() => {
  ddb.reset();
  sqs.reset();
  waits = [];
  vi.spyOn(retryClock, 'sleep').mockImplementation(async (ms) => void waits.push(ms));
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => console.info(`injected faults: ${injected}`));

const cancelled = (...codes: string[]) => {
  injected++;
  return new TransactionCanceledException({ message: `Transaction cancelled [${codes.join(', ')}]`, $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
};
const throttled = (name: 'ProvisionedThroughputExceededException' | 'ThrottlingException') => {
  injected++;
  if (name === 'ProvisionedThroughputExceededException') return new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded', $metadata: {} });
  return Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name, $metadata: {} });
};

/** A counter update on a company item, the write every contact, ticket and asset makes. */
const companyCounter = () =>
  countAndGuard(keys.company(ulid()), { contacts: 1 }, { condition: 'attribute_exists(pk)', onConditionFailed: () => new ConflictError('COMPANY_ARCHIVED', 'archived') });
const put = () => ({ item: { Put: { TableName: 'faults', Item: { pk: ulid(), sk: 'X' } } } });

describe('the retry policy', () => {
  it('waits a full-jitter exponential backoff: random within [0, min(cap, base·2^n)]', () => {
    const p = retryPolicies.conflict;
    for (let n = 0; n < 10; n++) {
      expect(backoffDelay(p, n, () => 0)).toBe(0);
      expect(backoffDelay(p, n, () => 0.999999)).toBeCloseTo(Math.min(p.capMs, p.baseMs * 2 ** n), 0);
    }
    const draws = new Set(Array.from({ length: 20 }, () => backoffDelay(p, 3)));
    expect(draws.size).toBeGreaterThan(15); // jittered: colliding writers do not retry in step
  });

  it('gives the hot company item more than three attempts, and every DynamoDB request the SDK\'s retries', async () => {
    expect(retryPolicies.conflict.attempts).toBeGreaterThan(3);
    expect(retryPolicies.throttle.attempts).toBeGreaterThan(3);
    expect(await db().config.maxAttempts()).toBe(SDK_MAX_ATTEMPTS);
    expect(SDK_MAX_ATTEMPTS).toBeGreaterThan(3);
  });
});

describe('transactions', () => {
  it('retries a counter update on the company item through more than three conflicts, with growing jittered waits', async () => {
    const conflicts = retryPolicies.conflict.attempts - 1;
    const send = ddb.on(TransactWriteCommand);
    for (let i = 0; i < conflicts; i++) send.rejectsOnce(cancelled('None', 'TransactionConflict'));
    send.resolves({});
    await transact([put(), companyCounter()]);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(conflicts + 1);
    expect(conflicts).toBeGreaterThan(3);
    expect(waits).toHaveLength(conflicts);
    waits.forEach((w, n) => {
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThanOrEqual(Math.min(retryPolicies.conflict.capMs, retryPolicies.conflict.baseMs * 2 ** n));
    });
  });

  it('ends a conflict that persists as 409 CONCURRENT_CHANGE after the policy\'s attempts, not as the SDK\'s exception', async () => {
    ddb.on(TransactWriteCommand).callsFake(() => Promise.reject(cancelled('TransactionConflict', 'None')));
    await expect(transact([put(), companyCounter()])).rejects.toMatchObject({ status: 409, code: 'CONCURRENT_CHANGE' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(retryPolicies.conflict.attempts);
  });

  it('reports a failed condition at once, as its item\'s error, without retrying', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    await expect(transact([put(), companyCounter()])).rejects.toMatchObject({ status: 409, code: 'COMPANY_ARCHIVED' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('retries throttled items, and a throttle that persists is 429 THROTTLED', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('ThrottlingError', 'None')).rejectsOnce(cancelled('None', 'ProvisionedThroughputExceeded')).resolves({});
    await transact([put(), put()]);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(3);

    ddb.reset();
    ddb.on(TransactWriteCommand).callsFake(() => Promise.reject(cancelled('ThrottlingError', 'ThrottlingError')));
    await expect(transact([put(), put()])).rejects.toMatchObject({ status: 429, code: 'THROTTLED' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(retryPolicies.throttle.attempts);
  });
});

describe('reads again after a stale read, and batches', () => {
  it('retries a stale read with the policy\'s backoff, then gives up with 409', async () => {
    let calls = 0;
    await expect(
      retryOnStaleRead(async () => {
        calls++;
        injected++;
        throw new StaleReadError();
      }),
    ).rejects.toMatchObject({ status: 409, code: 'CONCURRENT_CHANGE' });
    expect(calls).toBe(retryPolicies.staleRead.attempts);
    expect(waits).toHaveLength(retryPolicies.staleRead.attempts - 1);
  });

  it('retries keys a batch left unprocessed, and a throttle that persists is 429', async () => {
    const key = keys.company(ulid());
    ddb.on(BatchGetCommand).resolvesOnce({ Responses: { faults: [] }, UnprocessedKeys: { faults: { Keys: [key] } } }).resolves({ Responses: { faults: [{ ...key, name: 'Found' }] } });
    injected++;
    expect(await batchGet([key])).toEqual([{ ...key, name: 'Found' }]);
    expect(waits).toHaveLength(1);

    ddb.reset();
    ddb.on(BatchGetCommand).callsFake(() => {
      injected++;
      return Promise.resolve({ Responses: { faults: [] }, UnprocessedKeys: { faults: { Keys: [key] } } });
    });
    await expect(batchGet([key])).rejects.toMatchObject({ status: 429, code: 'THROTTLED' });
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(retryPolicies.unprocessed.attempts);
  });
});

describe('what the client sees (a real handler, POST /v1/companies)', () => {
  const create = () => createCompany(httpEvent({ route: 'POST /v1/companies', body: { name: 'Northwind' } }), {} as Context);
  const expectProblem = (res: Awaited<ReturnType<typeof create>>, status: number, code: string) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    const body = JSON.parse(res.body!);
    expect(body).toMatchObject({ status, code });
    // Nothing of the SDK's error reaches the client.
    expect(res.body).not.toMatch(/Transaction|Throughput|cancelled|Exception|aws|dynamodb/i);
    return body;
  };

  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException'] as const)('answers 429 THROTTLED with Retry-After when DynamoDB keeps answering %s', async (name) => {
    ddb.on(TransactWriteCommand).callsFake(() => Promise.reject(throttled(name)));
    const res = await create();
    expectProblem(res, 429, 'THROTTLED');
    expect(Number(res.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('answers 429 THROTTLED when the transaction\'s items stay throttled', async () => {
    ddb.on(TransactWriteCommand).callsFake(() => Promise.reject(cancelled('ThrottlingError', 'None', 'None')));
    expectProblem(await create(), 429, 'THROTTLED');
  });

  it('answers 409 CONCURRENT_CHANGE when conflicts persist, and 201 when they pass', async () => {
    ddb.on(TransactWriteCommand).callsFake(() => Promise.reject(cancelled('None', 'TransactionConflict', 'None')));
    expectProblem(await create(), 409, 'CONCURRENT_CHANGE');
    ddb.reset();
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'TransactionConflict', 'None')).resolves({});
    expect((await create()).statusCode).toBe(201);
  });

  it('answers an opaque 500 problem for a fault it cannot name, and logs it', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    ddb.on(TransactWriteCommand).callsFake(() => {
      injected++;
      return Promise.reject(Object.assign(new Error('InternalServerError: table clientele-prod at 10.0.0.7'), { name: 'InternalServerError' }));
    });
    const body = expectProblem(await create(), 500, 'INTERNAL');
    expect(JSON.stringify(body)).not.toContain('10.0.0.7');
    expect(error).toHaveBeenCalledOnce();
  });
});

describe('a failed SQS send', () => {
  // Only the outbox relay sends (every other send is an outbox item in a transaction), so a failed send can never fail a request or lose work.
  const failSends = () =>
    sqs.on(SendMessageBatchCommand).callsFake(() => {
      injected++;
      return Promise.reject(Object.assign(new Error('Service Unavailable: https://sqs.us-east-1.amazonaws.com/000000000000/mail'), { name: 'ServiceUnavailable' }));
    });
  const record = (seq: string, importId: string): DynamoDBRecord => ({
    eventName: 'INSERT',
    dynamodb: { SequenceNumber: seq, NewImage: marshall(enqueue('imports', { importId }).item.Put!.Item!) as never },
  });

  it('gives every entry of a refused request back to the caller, logging no body', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    failSends();
    const failed = await sendToQueue('mail', [
      { id: 'a', body: '{"link":"https://portal.example/setup?token=secret"}', outboxId: 'o1' },
      { id: 'b', body: '{}', outboxId: 'o2' },
    ]);
    expect(failed).toEqual(['a', 'b']);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('secret');
  });

  it('in the relay, fails only the records SQS refused, which the stream delivers again', async () => {
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    sqs.on(SendMessageBatchCommand).callsFake(() => {
      injected++;
      return Promise.resolve({ Successful: [{ Id: '0' }, { Id: '2' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] });
    });
    const out = await relayOutbox({ Records: [record('101', ulid()), record('102', ulid()), record('103', ulid())] });
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '102' }] });
    failSends();
    expect(await relayOutbox({ Records: [record('201', ulid())] })).toEqual({ batchItemFailures: [{ itemIdentifier: '201' }] });
  });
});
