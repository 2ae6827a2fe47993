/**
 * Local Lambda event-source mappings: each worker in `shared/queues.ts` long-polls its real
 * queue, receives the real SQS event shape and, like Lambda with `ReportBatchItemFailures`,
 * deletes every record except those it reports in `batchItemFailures` (all of them if it
 * throws). Failed records come back after the visibility timeout and, after
 * `maxReceiveCount` deliveries, SQS moves them to the dead-letter queue, whose consumer (for the
 * job queues) fails the job. Scheduled functions (the job sweeper) run at start and at their rate.
 */
import { setMaxListeners } from 'node:events';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { scrub } from '../../shared/logger';
import { deadLetterConsumer, functionSchedules, queues, rateMs, type QueueDef, type WorkerDef } from '../../shared/queues';
import { leaseTiming } from '../../shared/jobs/lease-timing';
import { dlqName } from './engines/sqs';
import { functionNameOf, invoke, loadHandler, localContext } from './handlers';

export interface Workers {
  stop: () => Promise<void>;
}

/** A received message as the SQS event record Lambda builds from it. */
export const toRecord = (m: Message, arn: string, region: string): SQSRecord => ({
  messageId: m.MessageId!,
  receiptHandle: m.ReceiptHandle!,
  body: m.Body ?? '',
  attributes: {
    ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: m.Attributes?.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  },
  messageAttributes: Object.fromEntries(
    Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
      k,
      { dataType: v.DataType ?? 'String', stringValue: v.StringValue, binaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : undefined, stringListValues: [], binaryListValues: [] },
    ]),
  ),
  md5OfBody: m.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: arn,
  awsRegion: region,
});

export const startWorkers = (opts: { endpoint: string; region: string; queueUrls: Record<string, string>; log?: (line: string) => void }): Workers => {
  const sqs = new SQSClient({ endpoint: opts.endpoint, region: opts.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const abort = new AbortController();
  // Every queue's poller (and each dead-letter consumer's) waits on this one signal: one listener per receive in flight, more than Node's default warning threshold of 10.
  setMaxListeners(0, abort.signal);

  const poll = async (q: { name: string; worker: Pick<WorkerDef, 'handler' | 'batchSize' | 'timeoutSeconds'> }) => {
    const url = opts.queueUrls[q.name]!;
    const arn = `arn:aws:sqs:${opts.region}:000000000000:${q.name}`;
    const name = functionNameOf(q.worker.handler);
    const handler = await loadHandler(q.worker.handler);
    while (!abort.signal.aborted) {
      let messages: Message[];
      try {
        const got = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: Math.min(10, q.worker.batchSize), WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
          { abortSignal: abort.signal },
        );
        messages = got.Messages ?? [];
      } catch (err) {
        if (abort.signal.aborted) return;
        opts.log?.(`[${name}] ${q.name}: receive failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      const event: SQSEvent = { Records: messages.map((m) => toRecord(m, arn, opts.region)) };
      let failed: Set<string>;
      try {
        const result = (await invoke(handler, event, localContext(name, q.worker.timeoutSeconds, crypto.randomUUID()))) as SQSBatchResponse | undefined;
        failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (err) {
        opts.log?.(`[${name}] ${q.name}: threw, the batch will be redelivered: ${scrub((err as Error).message)}`);
        failed = new Set(messages.map((m) => m.MessageId!));
      }
      const done = messages.filter((m) => !failed.has(m.MessageId!));
      if (failed.size) opts.log?.(`[${name}] ${q.name}: ${failed.size} of ${messages.length} record(s) failed and will be retried`);
      if (done.length) {
        await sqs
          .send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }))
          .catch((err: Error) => opts.log?.(`[${name}] ${q.name}: delete failed: ${err.message}`));
      }
    }
  };

  const loops = [
    ...queues.filter((q): q is typeof q & { worker: NonNullable<QueueDef['worker']> } => 'worker' in q && q.worker !== undefined).map((q) => poll(q)),
    // The job queues' dead-letter queues, consumed as the CDK stack's event sources consume them.
    ...deadLetterConsumer.queues.map((q) => poll({ name: dlqName(q), worker: deadLetterConsumer })),
  ];

  // Scheduled functions (the job sweeper): once at start, so what a stopped `npm start` left running resumes, then at their rate.
  const timers: NodeJS.Timeout[] = [];
  const runs: Promise<void>[] = [];
  for (const s of functionSchedules) {
    const name = functionNameOf(s.handler);
    const runScheduled = () => {
      if (abort.signal.aborted) return;
      // Through `invoke`, like every other local call: its own invocation scope, so its log lines name it.
      const run = loadHandler(s.handler)
        .then((handler) => invoke(handler, { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, localContext(name, s.timeoutSeconds, crypto.randomUUID())))
        .then((result) => void opts.log?.(`[${name}] ${s.name}: ${JSON.stringify(result)}`))
        .catch((err: Error) => opts.log?.(`[${name}] ${s.name} failed: ${scrub(err.message)}`));
      runs.push(run);
      void run.finally(() => runs.splice(runs.indexOf(run), 1));
    };
    runScheduled();
    // A run the previous process left behind still holds its lease for up to one lease period: sweep again once it has lapsed.
    timers.push(setTimeout(runScheduled, leaseTiming.periodMs + 1000));
    timers.push(setInterval(runScheduled, rateMs(s.expression)));
  }
  return {
    stop: async () => {
      abort.abort();
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...loops, ...runs]);
      sqs.destroy();
    },
  };
};
