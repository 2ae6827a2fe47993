/**
 * The mail worker on the real engines: a message on the `mail` queue reaches the SES outbox
 * once, even when SQS delivers it twice; a bad record fails alone (batchItemFailures).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sample from '../../events/sqs/mail.json';
import { handler } from '../../functions/mail/send-mail';
import { queueUrlEnv } from '../../shared/env';
import { lambdaContext } from '../helpers/http-event';
import { startStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.stop());

interface StoredMail {
  subject: string;
  destination: { to: string[] };
  body: { text: string };
}
const outbox = async (): Promise<StoredMail[]> => ((await (await fetch(`${stack.info.ses.endpoint}/store`)).json()) as { emails: StoredMail[] }).emails;

const waitFor = async <T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe('mail worker', () => {
  it('delivers a queued message through the real queue to the SES outbox', async () => {
    const subject = `Welcome ${ulid()}`;
    const sqs = new SQSClient({ endpoint: stack.info.sqs.endpoint, region: stack.info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: process.env[queueUrlEnv('mail')]!,
        MessageBody: JSON.stringify({ id: ulid(), to: ['jane@northwind.example'], subject, text: 'Set your password' }),
      }),
    );
    const mail = await waitFor(async () => (await outbox()).find((m) => m.subject === subject));
    expect(mail.destination.to).toEqual(['jane@northwind.example']);
  });

  it('writes a one-line subject to SES whatever the message holds (no header injection)', async () => {
    const event = structuredClone(sample);
    const id = ulid();
    event.Records = [{ ...event.Records[0]!, body: JSON.stringify({ id, to: ['a@b.example'], subject: `Your ${id}\r\nBcc: victim@example.com\r\n portal`, text: 'hello' }) }];
    expect(await handler(event as never, lambdaContext)).toEqual({ batchItemFailures: [] });
    const mail = await waitFor(async () => (await outbox()).find((m) => m.subject.includes(id)));
    expect(mail.subject).toBe(`Your ${id} Bcc: victim@example.com portal`);
    expect(mail.destination.to).toEqual(['a@b.example']);
  });

  it('sends a redelivered message once, and fails only the bad record of a batch', async () => {
    const event = structuredClone(sample);
    const id = ulid();
    const subject = `Once ${id}`;
    event.Records[0]!.body = JSON.stringify({ id, to: ['a@b.example'], subject, text: 'hello' });
    const first = await handler(event as never, lambdaContext);
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]!.messageId }] });
    await handler(event as never, lambdaContext);
    expect((await outbox()).filter((m) => m.subject === subject)).toHaveLength(1);
  });
});

describe('queue plumbing', () => {
  it('retries a record the worker reports failed and, after maxReceiveCount deliveries, moves it to the dead-letter queue', async () => {
    const { SetQueueAttributesCommand, ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
    const sqs = new SQSClient({ endpoint: stack.info.sqs.endpoint, region: stack.info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const QueueUrl = process.env[queueUrlEnv('mail')]!;
    // Only to keep the test short: retries come back after 1 s instead of 3 minutes.
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '1' } }));
    const marker = `poison ${ulid()}`;
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: marker }));
    const dlqUrl = QueueUrl.replace(/mail$/, 'mail-dlq');
    const dead = await waitFor(async () => {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      return got.Messages?.find((m) => m.Body === marker);
    }, 30_000);
    expect(dead.Body).toBe(marker);
  }, 40_000);
});
