/** fauxqs (pinned 1.9.2: 2.x needs node:sqlite) in this process, with every queue and its dead-letter queue. */
import { startFauxqs } from 'fauxqs';
import { deadLetterVisibilityTimeoutSeconds, queues, visibilityTimeoutSeconds } from '../../../shared/queues';
import { pickPort, type Engine } from './util';

export interface SqsEngine extends Engine {
  queueUrls: Record<string, string>;
}

export const dlqName = (name: string) => `${name}-dlq`;

export const startSqs = async (opts: { port: number }): Promise<SqsEngine> => {
  const port = await pickPort(opts.port, 'SQS (fauxqs)');
  const server = await startFauxqs({ port, host: '127.0.0.1', logger: false });
  const queueUrls: Record<string, string> = {};
  for (const q of queues) {
    const dlq = server.createQueue(dlqName(q.name), { attributes: { MessageRetentionPeriod: '1209600', VisibilityTimeout: String(deadLetterVisibilityTimeoutSeconds) } });
    const main = server.createQueue(q.name, {
      attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds(q)),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: q.maxReceiveCount }),
      },
    });
    queueUrls[q.name] = main.queueUrl;
    queueUrls[dlqName(q.name)] = dlq.queueUrl;
  }
  return { endpoint: `http://127.0.0.1:${port}`, queueUrls, stop: () => server.stop() };
};
