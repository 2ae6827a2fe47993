/**
 * The imports worker alone in a process of its own, as Lambda runs it: `npm run bench` starts it
 * with the message the upload queued (argv[2]) and reads back, on stdout, how long the handler
 * took, the DynamoDB requests it made and the process's RSS before and at its peak.
 */
import './quiet';
import { handler } from '../functions/imports/run-import';
import { localContext } from '../infra/local/handlers';
import { queues } from '../shared/queues';
import { tallyDb } from './measure';

const worker = queues.find((q) => q.name === 'imports')!;
if (!('worker' in worker)) throw new Error('imports has no worker');
const counter = tallyDb();
const startRssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
const t0 = performance.now();
const result = await handler(
  { Records: [{ messageId: 'bench', receiptHandle: 'bench', body: process.argv[2]!, attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, eventSource: 'aws:sqs' }] } as never,
  localContext('bench-import', worker.worker.timeoutSeconds, 'bench'),
);
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(
  JSON.stringify({ seconds, dynamoRequests: counter.tally.calls.length, startRssMb, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), memoryMb: worker.worker.memoryMb, result }),
);
