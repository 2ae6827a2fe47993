/**
 * The transactional outbox on real DynamoDB Local (its stream) and real queues: a change and its
 * outbox item commit together or not at all; work committed before a crash is still queued (by
 * the relay, which reads the stream and resumes from its checkpoint after its own crash); a
 * failed SQS send (the fault a real queue cannot be made to show: aws-sdk-client-mock) comes
 * back as batchItemFailures and is delivered on the retry. Nothing else sends to a queue.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as cleanupHandler } from '../../functions/companies/cleanup-company';
import { handler as relay } from '../../functions/outbox/relay';
import { filterMatcher, startStreamReaders, type StreamReaders } from '../../infra/local/streams';
import { createTable } from '../../infra/local/table';
import { repoRoot } from '../../infra/paths';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { transact } from '../../shared/db/transact';
import { ENV, requireEnv } from '../../shared/env';
import { ConflictError } from '../../shared/http/errors';
import { mailItem, queueMail } from '../../shared/mail/mail.service';
import { enqueue, enqueueSealed } from '../../shared/outbox/outbox';
import { replayOutbox } from '../../shared/outbox/replay';
import { streamConsumers } from '../../shared/streams';
import { call, lambdaContext } from '../helpers/http-event';
import { startDynamo } from '../support/dynamo';
import { startQueues } from '../support/queues';

let stopDb: () => Promise<void>;
let queues: Awaited<ReturnType<typeof startQueues>>;
// Each relay started here resumes where the previous one stopped, as `npm start` does across restarts.
const checkpoints = mkdtempSync(join(tmpdir(), 'clientele-outbox-'));
beforeAll(async () => {
  ({ stop: stopDb } = await startDynamo());
  // This file runs its own relay (to stop and restart it); the support one stays off.
  queues = await startQueues({ relay: false });
});
afterAll(async () => {
  await queues?.stop();
  await stopDb?.();
  rmSync(checkpoints, { recursive: true, force: true });
});

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const relayOn = (): StreamReaders =>
  startStreamReaders({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!, region: 'us-east-1', tableName: requireEnv(ENV.TABLE_NAME), intervalMs: 100, checkpointDir: checkpoints, consumers: ['outbox-relay'] });
const bodies = async (queue: Parameters<typeof queues.take>[0]) => (await queues.take(queue)).Records.map((r) => JSON.parse(r.body) as Record<string, unknown>);
const outboxPk = (tx: ReturnType<typeof enqueue>) => (tx.item.Put!.Item as { pk: string }).pk;
const exists = async (key: { pk: string; sk: string }) => !!(await db().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }))).Item;

describe('commit', () => {
  it('writes the change and its outbox item together, or neither when the transaction is cancelled', async () => {
    const relayer = relayOn();
    try {
      const company = (await call({ route: 'POST /v1/companies', body: { name: unique('Outbox') } })).body as { id: string };
      const jobId = `01OUTBOXTEST${run.toUpperCase()}${n}`.padEnd(26, '0').slice(0, 26);
      const refused = enqueue('company-cleanup', { jobId, companyId: company.id });
      // A change whose condition fails: the company is not at version 99.
      await expect(
        transact([
          { item: { ConditionCheck: { TableName: tableName(), Key: keys.company(company.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': 99 } } }, onConditionFailed: () => new ConflictError('CONCURRENT_CHANGE', 'stale') },
          { item: { Put: { TableName: tableName(), Item: { ...keys.job(jobId), type: 'Job', id: jobId } } } },
          refused,
        ]),
      ).rejects.toThrow(ConflictError);
      expect(await exists(keys.job(jobId))).toBe(false);
      expect(await exists({ pk: outboxPk(refused), sk: 'OUTBOX' })).toBe(false);
      await relayer.flush();
      expect(await bodies('company-cleanup')).toEqual([]);

      const accepted = enqueue('company-cleanup', { jobId, companyId: company.id });
      await transact([{ item: { Put: { TableName: tableName(), Item: { ...keys.job(jobId), type: 'Job', id: jobId } } } }, accepted]);
      expect(await exists(keys.job(jobId))).toBe(true);
      await relayer.flush();
      const [message] = (await queues.take('company-cleanup')).Records;
      expect(JSON.parse(message!.body)).toEqual({ jobId, companyId: company.id });
      expect(message!.messageAttributes.outboxId?.stringValue).toBe(outboxPk(accepted).replace('OUTBOX#', ''));
    } finally {
      await relayer.stop();
    }
  });

  it('queues a mail that follows no write of its own through the same outbox', async () => {
    const relayer = relayOn();
    try {
      const id = await queueMail({ to: ['ann@example.com'], subject: unique('Hello'), text: 'Hi' });
      await relayer.flush();
      expect(await bodies('mail')).toEqual([expect.objectContaining({ id, to: ['ann@example.com'] })]);
    } finally {
      await relayer.stop();
    }
  });
});

describe('sealed queues', () => {
  it('keeps a mail (it may hold a set-up link) encrypted in the table, and the relay sends it readable', async () => {
    const link = `https://portal.example/setup?token=${run}secret${++n}`;
    const { id, item } = await mailItem({ to: ['ann@example.com'], subject: 'Your portal account', text: `Set your password: ${link}` });
    await transact([item]);
    const stored = (await db().send(new GetCommand({ TableName: tableName(), Key: { pk: (item.item.Put!.Item as { pk: string }).pk, sk: 'OUTBOX' }, ConsistentRead: true }))).Item!;
    expect(stored).toMatchObject({ type: 'Outbox', queue: 'mail', sealed: true });
    expect(JSON.stringify(stored)).not.toContain(run + 'secret');
    const relayer = relayOn();
    try {
      await relayer.flush();
      expect(await bodies('mail')).toEqual([{ id, to: ['ann@example.com'], subject: 'Your portal account', text: `Set your password: ${link}` }]);
    } finally {
      await relayer.stop();
    }
  });

  it('refuses to write a mail in the clear, and fails (never sends) a sealed item moved to another id', async () => {
    expect(() => enqueue('mail' as never, { id: 'x' })).toThrow(/sealed/);
    const sealed = (await enqueueSealed('mail', { id: 'y', to: ['a@b.example'], subject: 's', text: 't' })).item.Put!.Item!;
    const moved = { ...sealed, id: 'another', pk: 'OUTBOX#another' };
    const out = await relay({ Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '401', NewImage: marshall(moved) as never } }] }, lambdaContext);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '401' }] });
  });
});

describe('QuickBooks (de)activation', () => {
  it('is queued with the archive, the restore and the delete of a linked company, in their transactions', async () => {
    const relayer = relayOn();
    try {
      const co = (await call({ route: 'POST /v1/companies', body: { name: unique('Linked') } })).body as { id: string; name: string };
      // Linked as `POST /v1/companies/{id}/quickbooks/link` leaves it (that flow is tested against the fake QuickBooks).
      await db().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.company(co.id),
          UpdateExpression: 'SET integrations.quickbooks = :qb',
          ExpressionAttributeValues: { ':qb': { customerId: '58', active: true, syncStatus: 'synced', lastError: null } },
        }),
      );
      const steps = [
        () => call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } }),
        () => call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } }), // no change: nothing queued
        () => call({ route: 'POST /v1/companies/{id}/restore', params: { id: co.id } }),
        () => call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } }),
        () => call({ route: 'DELETE /v1/companies/{id}', params: { id: co.id }, body: { confirmName: co.name }, groups: ['SuperAdmin'] }),
      ];
      const queued = [];
      for (const step of steps) {
        expect((await step()).status).toBeLessThan(300);
        await relayer.flush();
        queued.push((await bodies('quickbooks-sync')).map((m) => `${m.action}/${m.reason}/${m.customerId}`));
      }
      expect(queued).toEqual([['deactivate/archive/58'], [], ['reactivate/restore/58'], ['deactivate/archive/58'], ['deactivate/delete/58']]);
      await queues.take('company-cleanup');
    } finally {
      await relayer.stop();
    }
  });
});

describe('crashes', () => {
  it('still queues the work of a request that died right after its commit, and the job finishes (no lock left set)', async () => {
    const co = (await call({ route: 'POST /v1/companies', body: { name: unique('Crash') } })).body as { id: string; name: string };
    await call({ route: 'POST /v1/contacts', body: { firstName: 'Pat', lastName: 'Lee', email: `pat.${run}.${++n}@example.com`, companyId: co.id } });
    expect((await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } })).status).toBe(200);
    // The fault: the function dies the moment DynamoDB has committed the delete; the relay is down too.
    const crash = `crash-${run}`;
    db().middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (String(context.commandName).startsWith('TransactWrite')) throw new Error('Lambda killed');
        return out;
      },
      { step: 'initialize', name: crash },
    );
    let res;
    try {
      res = await call({ route: 'DELETE /v1/companies/{id}', params: { id: co.id }, body: { confirmName: co.name }, groups: ['SuperAdmin'] });
    } finally {
      db().middlewareStack.remove(crash);
    }
    expect(res.status).toBe(500);
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).status).toBe(404);

    const relayer = relayOn();
    try {
      await relayer.flush();
      const event = await queues.take('company-cleanup');
      expect(event.Records.map((r) => JSON.parse(r.body).companyId)).toEqual([co.id]);
      const { jobId } = JSON.parse(event.Records[0]!.body) as { jobId: string };
      const ctx = { ...lambdaContext, getRemainingTimeInMillis: () => 300_000 } as Context;
      expect(await cleanupHandler(event as never, ctx)).toEqual({ batchItemFailures: [] });
      expect((await call({ route: 'GET /v1/jobs/{id}', params: { id: jobId } })).body).toMatchObject({ status: 'done', progress: { contacts: { done: 1, complete: true } } });
    } finally {
      await relayer.stop();
    }
  });

  it('resumes the relay from its checkpoint after its own crash: what was committed meanwhile is queued, nothing twice', async () => {
    const first = relayOn();
    await transact([enqueue('imports', { importId: `before-${run}` })]);
    await first.flush();
    await first.stop();
    expect(await bodies('imports')).toEqual([{ importId: `before-${run}` }]);
    expect(readdirSync(checkpoints)).toEqual([`stream-${streamConsumers[0].name}.json`]);

    // Committed while no relay runs.
    await transact([enqueue('imports', { importId: `while-down-${run}` })]);
    const second = relayOn();
    try {
      await second.flush();
      expect(await bodies('imports')).toEqual([{ importId: `while-down-${run}` }]);
    } finally {
      await second.stop();
    }
  });
});

describe('replay', () => {
  it('sends again what was committed since a time (a stream being remade missed it), with the same outbox id, once per run', async () => {
    const since = new Date().toISOString();
    const relayer = relayOn();
    try {
      await transact([enqueue('imports', { importId: `replayed-${run}` })]);
      await relayer.flush();
      const first = await queues.take('imports');
      expect(first.Records.map((r) => JSON.parse(r.body))).toEqual([{ importId: `replayed-${run}` }]);
      expect((await replayOutbox(since)).replayed).toBe(1);
      // A second run finds the copy already there, and does not copy the copy.
      expect((await replayOutbox(since)).replayed).toBe(0);
      await relayer.flush();
      const again = await queues.take('imports');
      expect(again.Records.map((r) => JSON.parse(r.body))).toEqual([{ importId: `replayed-${run}` }]);
      expect(again.Records[0]!.messageAttributes.outboxId!.stringValue).toBe(first.Records[0]!.messageAttributes.outboxId!.stringValue);
    } finally {
      await relayer.stop();
    }
  });
});

describe('relay', () => {
  const record = (seq: string, queue: 'company-cleanup' | 'imports', message: unknown): DynamoDBRecord => {
    const item = enqueue(queue, message).item.Put!.Item!;
    return { eventName: 'INSERT', eventSource: 'aws:dynamodb', dynamodb: { SequenceNumber: seq, NewImage: marshall(item) as never, StreamViewType: 'NEW_IMAGE' } };
  };

  it('reports the records SQS refused as batchItemFailures, and delivers them on the retry', async () => {
    const records = ['1', '2', '3'].map((seq) => record(`10${seq}`, 'company-cleanup', { jobId: `retry-${run}-${seq}`, companyId: `co-${run}` }));
    const event: DynamoDBStreamEvent = { Records: records };
    const sqs = mockClient(SQSClient);
    try {
      // One entry refused, then the whole request throttled.
      sqs
        .on(SendMessageBatchCommand)
        .resolvesOnce({ Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: '' }, { Id: '2', MessageId: 'm2', MD5OfMessageBody: '' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
        .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      expect(await relay(event, lambdaContext)).toEqual({ batchItemFailures: [{ itemIdentifier: '102' }] });
      expect(await relay(event, lambdaContext)).toEqual({ batchItemFailures: ['101', '102', '103'].map((itemIdentifier) => ({ itemIdentifier })) });
      expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
    } finally {
      sqs.restore();
    }
    // Lambda retries from the first failed record: it reaches the real queue.
    expect(await relay({ Records: records.slice(1, 2) }, lambdaContext)).toEqual({ batchItemFailures: [] });
    expect(await bodies('company-cleanup')).toEqual([{ jobId: `retry-${run}-2`, companyId: `co-${run}` }]);
  });

  it('is retried by the local mapping from the record it reported failed, as Lambda retries', async () => {
    const sqs = mockClient(SQSClient);
    const relayer = relayOn();
    try {
      sqs
        .on(SendMessageBatchCommand)
        .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
        .callsFake((input: { Entries: unknown[] }) => ({ Successful: input.Entries.map((_, i) => ({ Id: String(i), MessageId: String(i), MD5OfMessageBody: '' })), Failed: [] }));
      await transact([enqueue('imports', { importId: `retried-${run}` })]);
      await relayer.flush();
      const sent = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.MessageBody));
      expect(sent).toEqual([[JSON.stringify({ importId: `retried-${run}` })], [JSON.stringify({ importId: `retried-${run}` })]]);
    } finally {
      await relayer.stop();
      sqs.restore();
    }
  });

  it('groups records by queue and sends ten per request', async () => {
    const records = Array.from({ length: 23 }, (_, i) => record(String(200 + i), i % 2 ? 'imports' : 'company-cleanup', i % 2 ? { importId: `batch-${run}-${i}` } : { jobId: `batch-${run}-${i}`, companyId: 'x' }));
    const sqs = mockClient(SQSClient);
    try {
      sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: unknown[] }) => ({ Successful: input.Entries.map((_, i) => ({ Id: String(i), MessageId: String(i), MD5OfMessageBody: '' })), Failed: [] }));
      expect(await relay({ Records: records }, lambdaContext)).toEqual({ batchItemFailures: [] });
      // 12 to company-cleanup (10 + 2), 11 to imports (10 + 1).
      expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length).sort()).toEqual([1, 10, 10, 2].sort());
    } finally {
      sqs.restore();
    }
  });

  it('fails an unreadable outbox item rather than dropping it, and skips what is not an outbox insert', async () => {
    const bad: DynamoDBRecord = { eventName: 'INSERT', dynamodb: { SequenceNumber: '301', NewImage: marshall({ pk: 'OUTBOX#x', sk: 'OUTBOX', type: 'Outbox', id: 'x', queue: 'nowhere', message: '{}', createdAt: 'now' }) as never } };
    const removed: DynamoDBRecord = { ...record('302', 'imports', {}), eventName: 'REMOVE' };
    expect(await relay({ Records: [bad, removed] }, lambdaContext)).toEqual({ batchItemFailures: [{ itemIdentifier: '301' }] });
  });
});

describe('filter', () => {
  const [relayDef] = streamConsumers;
  const matches = filterMatcher(relayDef.filter);
  const image = (type: string) => ({ pk: { S: 'X' }, type: { S: type } });

  it('lets through only the insert of an outbox item, as Lambda matches the AttributeValue form', () => {
    expect(matches({ eventName: 'INSERT', dynamodb: { NewImage: image('Outbox') } })).toBe(true);
    expect(matches({ eventName: 'MODIFY', dynamodb: { NewImage: image('Outbox') } })).toBe(false);
    expect(matches({ eventName: 'REMOVE', dynamodb: {} })).toBe(false);
    expect(matches({ eventName: 'INSERT', dynamodb: { NewImage: image('Company') } })).toBe(false);
  });

  it('refuses a pattern it cannot apply exactly as Lambda would', () => {
    expect(() => filterMatcher({ eventName: [{ prefix: 'IN' }] as never })).toThrow(/only lists of exact string values/);
  });
});

describe('local stream reader', () => {
  it('reads every shard in lineage order: a child only once its parent is read to its end', async () => {
    // DynamoDB Local opens new shards only over hours: the shard lineage is the mocked part here.
    const outboxRecord = (seq: string, importId: string) => ({
      eventName: 'INSERT' as const,
      dynamodb: { SequenceNumber: seq, NewImage: marshall(enqueue('imports', { importId }).item.Put!.Item!) },
    });
    const streams = mockClient(DynamoDBStreamsClient);
    const reads: string[] = [];
    const pages: Record<string, { Records: unknown[]; NextShardIterator?: string }> = {
      'it-parent': { Records: [outboxRecord('1', `parent-${run}`)], NextShardIterator: 'it-parent-2' },
      'it-parent-2': { Records: [], NextShardIterator: 'it-parent-3' },
      'it-parent-3': { Records: [] }, // closed: read to its end
      'it-child': { Records: [outboxRecord('2', `child-${run}`)], NextShardIterator: 'it-child-2' },
      'it-child-2': { Records: [], NextShardIterator: 'it-child-2' },
    };
    streams.on(ListStreamsCommand).resolves({ Streams: [{ StreamArn: 'arn:stream', StreamLabel: '1' }] });
    streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [{ ShardId: 'child', ParentShardId: 'parent' }, { ShardId: 'parent' }] } });
    streams.on(GetShardIteratorCommand).callsFake((input: { ShardId: string }) => ({ ShardIterator: `it-${input.ShardId}` }));
    streams.on(GetRecordsCommand).callsFake((input: { ShardIterator: string }) => {
      reads.push(input.ShardIterator);
      return pages[input.ShardIterator];
    });
    const relayer = startStreamReaders({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!, region: 'us-east-1', tableName: 'unused', intervalMs: 10, consumers: ['outbox-relay'] });
    try {
      await relayer.flush();
      await relayer.flush();
    } finally {
      await relayer.stop();
      streams.restore();
    }
    expect(reads.slice(0, 4)).toEqual(['it-parent', 'it-parent-2', 'it-parent-3', 'it-child']);
    expect(await bodies('imports')).toEqual([{ importId: `parent-${run}` }, { importId: `child-${run}` }]);
  });
});

describe('local table', () => {
  it('gives a table kept from before the outbox (npm start keeps data) its stream', async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB!;
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const name = `clientele-old-${run}`;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        }),
      );
      expect((await client.send(new DescribeTableCommand({ TableName: name }))).Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
      // It had no indexes either: they are created (test/integration/list-buckets.test.ts upgrades a table with the old ones).
      expect(await createTable(endpoint, name)).toBe('upgraded');
      expect((await client.send(new DescribeTableCommand({ TableName: name }))).Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    } finally {
      client.destroy();
    }
  });
});

describe('nothing else sends', () => {
  it('leaves SQS to the relay: no other module of the application imports the sender', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const path = join(dir, f);
        return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
      });
    const senders = [...files(join(repoRoot, 'shared')), ...files(join(repoRoot, 'functions'))]
      .filter((f) => /from '[./]*queue\/send'|@aws-sdk\/client-sqs/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(repoRoot, f));
    expect(senders.sort()).toEqual(['shared/outbox/relay.ts', 'shared/queue/send.ts']);
  });
});
