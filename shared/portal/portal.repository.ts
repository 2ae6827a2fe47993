/**
 * Portal tokens (stored as SHA-256 only), the portal user → contact binding (by Cognito `sub`),
 * the public reset quota, and the one-request read behind every portal call.
 */
import { BatchGetCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { createHash, randomBytes } from 'node:crypto';
import type { Company } from '../companies/company.schema';
import type { ContactRecord } from '../contacts/contact.repository';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { updateItem } from '../db/update';
import type { TxItem } from '../db/transact';

export type TokenPurpose = 'setup' | 'reset';
export const TOKEN_TTL_SECONDS = 72 * 60 * 60;
/** A claim older than this is from a request that died; the token may be claimed again. */
const CLAIM_LEASE_SECONDS = 60;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A fresh random token (returned once, for the email) and the item that stores only its hash. */
export const newToken = (contactId: string, purpose: TokenPurpose, nowSeconds = Math.floor(Date.now() / 1000)) => {
  const token = randomBytes(32).toString('base64url');
  const hash = hashToken(token);
  const put: TxItem = {
    item: {
      Put: {
        TableName: tableName(),
        Item: { ...keys.portalToken(hash), type: 'PortalToken', contactId, purpose, expiresAt: nowSeconds + TOKEN_TTL_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  };
  return { token, hash, put };
};

export const deleteToken = (hash: string): TxItem => ({ item: { Delete: { TableName: tableName(), Key: keys.portalToken(hash) } } });

/**
 * Claims an unexpired, unused token for one request (a lease, so two concurrent set-ups cannot
 * both use it); returns its contact, or undefined when the token is unknown, used, expired or busy.
 */
export const claimToken = async (hash: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<{ contactId: string; purpose: TokenPurpose; claimedAt: number } | undefined> => {
  try {
    const out = await db().send(
      new UpdateCommand({
        ...updateItem(
          keys.portalToken(hash),
          { set: { claimedAt: nowSeconds } },
          { expression: 'attribute_exists(pk) AND expiresAt > :now AND (attribute_not_exists(claimedAt) OR claimedAt < :stale)', values: { ':now': nowSeconds, ':stale': nowSeconds - CLAIM_LEASE_SECONDS } },
        ),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { contactId: out.Attributes!.contactId as string, purpose: out.Attributes!.purpose as TokenPurpose, claimedAt: nowSeconds };
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return undefined;
    throw err;
  }
};

/** Gives a claimed token back (the password was refused), so the link still works. */
export const releaseToken = (hash: string, claimedAt: number) =>
  db()
    .send(
      new UpdateCommand(updateItem(keys.portalToken(hash), { remove: ['claimedAt'] }, { expression: 'claimedAt = :mine', values: { ':mine': claimedAt } })),
    )
    .catch(() => undefined);

/** Consumes a claimed token inside the transaction that activates the portal. */
export const consumeToken = (hash: string, claimedAt: number): TxItem => ({
  item: { Delete: { TableName: tableName(), Key: keys.portalToken(hash), ConditionExpression: 'claimedAt = :mine', ExpressionAttributeValues: { ':mine': claimedAt } } },
});

/**
 * The contact a portal user is, by the user's immutable `sub`: the only way a login or a portal
 * request finds its contact (never by email, never by an attribute the user can write).
 */
export const contactIdBySub = async (sub: string): Promise<string | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.portalUser(sub), ConsistentRead: true }));
  return out.Item?.contactId as string | undefined;
};

/** Cognito gave one user to two contacts: not a request's fault, and nothing may be written. */
const subHeldElsewhere = (sub: string) => () => new Error(`Portal user ${sub} is bound to another contact`);

/** Binds `sub` to the contact (idempotent for the same contact; one contact per sub). */
export const putPortalUser = (sub: string, contactId: string): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.portalUser(sub), type: 'PortalUser', contactId },
      ConditionExpression: 'attribute_not_exists(pk) OR contactId = :id',
      ExpressionAttributeValues: { ':id': contactId },
    },
  },
  onConditionFailed: subHeldElsewhere(sub),
});

/** Removes the contact's earlier binding (its user was replaced). */
export const deletePortalUser = (sub: string, contactId: string): TxItem => ({
  item: {
    Delete: {
      TableName: tableName(),
      Key: keys.portalUser(sub),
      ConditionExpression: 'attribute_not_exists(pk) OR contactId = :id',
      ExpressionAttributeValues: { ':id': contactId },
    },
  },
  onConditionFailed: subHeldElsewhere(sub),
});

/** At most this many public reset mails per address per hour. */
export const RESET_MAILS_PER_HOUR = 3;

export class ResetQuotaReached extends Error {}

export const emailHash = (email: string): string => createHash('sha256').update(email.trim().toLowerCase(), 'utf8').digest('hex');

/**
 * One more public reset mail to `email` this hour, inside the transaction that issues the link:
 * refused (ResetQuotaReached) once the hour's count is reached, so the link and the mail are not made.
 */
export const countResetMail = (email: string, nowMs = Date.now()): TxItem => {
  const hour = Math.floor(nowMs / 3_600_000);
  return {
    item: {
      Update: updateItem(
        keys.portalResetCount(emailHash(email), hour),
        { add: { sent: 1 }, set: { type: 'PortalResetCount', expiresAt: (hour + 2) * 3600 } },
        { expression: 'attribute_not_exists(#n) OR #n < :max', names: { '#n': 'sent' }, values: { ':max': RESET_MAILS_PER_HOUR } },
      ),
    },
    onConditionFailed: () => new ResetQuotaReached(),
  };
};

const strip = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, type: _t, ...rest }: Record<string, unknown>) => rest;

/** The contact and a company, in one BatchGetItem (strongly consistent, so a deactivation counts at once). */
export const getContactAndCompany = async (contactId: string, companyId: string): Promise<{ contact?: ContactRecord; company?: Company }> => {
  const out = await db().send(
    new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: [keys.contact(contactId), keys.company(companyId)], ConsistentRead: true } } }),
  );
  const items = out.Responses?.[tableName()] ?? [];
  const contact = items.find((i) => i.pk === keys.contact(contactId).pk);
  const company = items.find((i) => i.pk === keys.company(companyId).pk);
  // Two small keys never exceed BatchGet's limits; an unprocessed key is a throttle, retried by the caller.
  if (Object.keys(out.UnprocessedKeys ?? {}).length) throw Object.assign(new Error('Throttled'), { name: 'ThrottlingException' });
  return { contact: contact ? (strip(contact) as unknown as ContactRecord) : undefined, company: company ? (strip(company) as unknown as Company) : undefined };
};
