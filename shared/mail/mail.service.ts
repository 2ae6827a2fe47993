/**
 * Email goes out in two steps: `mailItem` (an outbox item, written in the transaction of the
 * change the mail reports, so a crash cannot separate them) and `deliverMail` (the `mail`
 * worker, through SES). Delivery is recorded by message id, so an SQS redelivery
 * after a successful send does not send it twice.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { updateItem } from '../db/update';
import { ENV, optionalEnv, requireEnv } from '../env';
import { lazySdk } from '../lazy-sdk';
import type { TxItem } from '../db/transact';
import { enqueueNow, enqueueSealed } from '../outbox/outbox';
import type { MailMessage } from './mail.schema';
import { COMPANY_TAG, countSentMail } from '../health/communications';

const RECORD_TTL_SECONDS = 14 * 24 * 60 * 60;

// Only the mail worker sends; the functions that queue mail never load SES.
// aws-ses-v2-local never answers some actions: a request timeout keeps a worker from hanging.
const ses = lazySdk(
  () => import('@aws-sdk/client-ses'),
  (sdk) => new sdk.SESClient({ requestHandler: { requestTimeout: 10_000 } }),
);

/**
 * The mail as an outbox item of the transaction it follows (sealed: it may hold a set-up link);
 * the id is the one the worker delivers it once by.
 */
export const mailItem = async (mail: Omit<MailMessage, 'id'>): Promise<{ id: string; item: TxItem }> => {
  const id = ulid();
  return { id, item: await enqueueSealed('mail', { id, ...mail }) };
};

/** A mail that follows no write of its own (its outbox item alone). */
export const queueMail = async (mail: Omit<MailMessage, 'id'>): Promise<string> => {
  const id = ulid();
  await enqueueNow('mail', { id, ...mail });
  return id;
};

/** Sends `mail` unless an earlier delivery of the same message already did. */
export const deliverMail = async (mail: MailMessage): Promise<'sent' | 'duplicate'> => {
  const key = keys.mail(mail.id);
  try {
    await db().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key, type: 'MailDelivery', status: 'sending', expiresAt: Math.floor(Date.now() / 1000) + RECORD_TTL_SECONDS },
        // A crash between SES and the `sent` mark leaves `sending`: the retry sends again (at least once).
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sending': 'sending' },
      }),
    );
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return 'duplicate';
    throw err;
  }
  const configurationSet = optionalEnv(ENV.SES_CONFIGURATION_SET);
  const { sdk, client } = await ses();
  const out = await client.send(
    new sdk.SendEmailCommand({
      Source: requireEnv(ENV.MAIL_FROM),
      Destination: { ToAddresses: mail.to },
      Message: {
        Subject: { Data: mail.subject, Charset: 'UTF-8' },
        Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, ...(mail.html ? { Html: { Data: mail.html, Charset: 'UTF-8' } } : {}) },
      },
      ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
      // SES carries the tag into its bounce and complaint events (shared/health/communications.ts).
      ...(mail.companyId ? { Tags: [{ Name: COMPANY_TAG, Value: mail.companyId }] } : {}),
    }),
  );
  await db().send(
    new UpdateCommand(updateItem(key, { set: { status: 'sent', sesMessageId: out.MessageId ?? null } })),
  );
  if (mail.companyId) await countSentMail(mail.companyId);
  return 'sent';
};

export const resetMailClient = (): void => ses.reset();
