/**
 * QuickBooks items: the one connection (realm and tokens, encrypted with the realm as context,
 * versioned so a token rotation is a conditional write), the customer-link guard (one company
 * per QuickBooks customer), and the company's link fields.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decrypt, encrypt } from '../crypto/encryption';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { updateItem } from '../db/update';
import type { TxItem } from '../db/transact';
import type { Company } from '../companies/company.schema';
import { companyArchived } from '../companies/company.repository';
import { NotFoundError, StaleReadError } from '../http/errors';
import { storedTokens, type StoredTokens } from './quickbooks.schema';

export interface Connection {
  realmId: string;
  tokens: StoredTokens;
  /** Bumped by every token write; a refresh stores its tokens only at the version it read. */
  version: number;
  connectedAt: string;
}

/** Tokens are bound to the connection item and its realm: a ciphertext moved elsewhere does not decrypt. */
const tokenContext = (realmId: string) => `quickbooks-connection:${realmId}`;

export const getConnection = async (consistent = true): Promise<Connection | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.quickBooksConnection(), ConsistentRead: consistent }));
  const item = out.Item;
  if (!item) return undefined;
  const realmId = String(item.realmId);
  const tokens = storedTokens.parse(JSON.parse(await decrypt(String(item.tokens), tokenContext(realmId))));
  return { realmId, tokens, version: Number(item.version), connectedAt: String(item.connectedAt) };
};

/** A (re)connect: replaces realm and tokens whatever was stored, and bumps the version so in-flight refreshes lose. */
export const putConnection = async (realmId: string, tokens: StoredTokens, by: { sub: string; email: string | null }): Promise<void> => {
  const now = new Date().toISOString();
  await db().send(
    new UpdateCommand(
      updateItem(keys.quickBooksConnection(), {
        set: { type: 'QuickBooksConnection', realmId, tokens: await encrypt(JSON.stringify(tokens), tokenContext(realmId)), connectedAt: now, connectedBy: by, updatedAt: now },
        add: { version: 1 },
      }),
    ),
  );
};

/** Stores rotated tokens only if nobody stored others since `read`; `undefined` when someone did. */
export const saveRefreshedTokens = async (read: Connection, tokens: StoredTokens): Promise<Connection | undefined> => {
  try {
    await db().send(
      new UpdateCommand(
        updateItem(
          keys.quickBooksConnection(),
          { set: { tokens: await encrypt(JSON.stringify(tokens), tokenContext(read.realmId)), version: read.version + 1, updatedAt: new Date().toISOString() } },
          { expression: 'version = :expected AND realmId = :realm', values: { ':expected': read.version, ':realm': read.realmId } },
        ),
      ),
    );
    return { ...read, tokens, version: read.version + 1 };
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return undefined;
    throw err;
  }
};

/** The company's QuickBooks state as the worker needs it, straight from the item. */
export interface CompanyLinkState {
  status: Company['status'];
  link: NonNullable<Company['integrations']['quickbooks']> | null;
  /** The realm the link was made in. */
  realmId: string | null;
}

export const getCompanyLinkState = async (companyId: string): Promise<CompanyLinkState | undefined> => {
  const out = await db().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.company(companyId),
      ConsistentRead: true,
      ProjectionExpression: '#status, integrations, quickBooksRealmId',
      ExpressionAttributeNames: { '#status': 'status' },
    }),
  );
  if (!out.Item) return undefined;
  const integrations = (out.Item.integrations ?? {}) as Company['integrations'];
  return { status: out.Item.status as Company['status'], link: integrations.quickbooks ?? null, realmId: (out.Item.quickBooksRealmId as string | undefined) ?? null };
};

/** The company a QuickBooks customer is linked to, by its guard item. */
export const getCustomerLinkOwner = async (realmId: string, customerId: string): Promise<string | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.quickBooksCustomer(realmId, customerId), ConsistentRead: true }));
  return out.Item?.companyId as string | undefined;
};

/**
 * Links `before` (read at its version, active) to a customer: the company's link fields, its
 * realm, and the guard items (take the new customer's, give up the old one's). `takeOverFrom`:
 * a company that no longer exists but still holds the guard.
 */
export const linkCompanyItems = (before: Company, after: Company, realmId: string, previousRealmId: string | null, takeOverFrom?: string): TxItem[] => {
  const link = after.integrations.quickbooks!;
  // A company without an `integrations` map gets the whole map (a member of a missing map cannot be set).
  const integration = before.integrations ? { 'integrations.quickbooks': link } : { integrations: after.integrations };
  const items: TxItem[] = [
    {
      item: {
        Update: updateItem(
          keys.company(before.id),
          { set: { ...integration, quickBooksRealmId: realmId, version: after.version, updatedAt: after.updatedAt } },
          { expression: 'attribute_exists(pk) AND version = :expected AND #status = :active', names: { '#status': 'status' }, values: { ':expected': before.version, ':active': 'active' } },
        ),
      },
      onConditionFailed: (old) => {
        if (!old) return new NotFoundError('company');
        if (old.status !== 'active') return companyArchived();
        return new StaleReadError();
      },
    },
    {
      item: {
        Put: {
          TableName: tableName(),
          Item: { ...keys.quickBooksCustomer(realmId, link.customerId), type: 'QuickBooksCustomerLink', companyId: before.id, realmId, customerId: link.customerId },
          ConditionExpression: takeOverFrom ? 'attribute_not_exists(pk) OR companyId = :me OR companyId = :gone' : 'attribute_not_exists(pk) OR companyId = :me',
          ExpressionAttributeValues: { ':me': before.id, ...(takeOverFrom ? { ':gone': takeOverFrom } : {}) },
        },
      },
      // Another company took this customer since the check: read again.
      onConditionFailed: () => new StaleReadError(),
    },
  ];
  const old = before.integrations?.quickbooks;
  if (old && previousRealmId && !(previousRealmId === realmId && old.customerId === link.customerId)) {
    items.push({
      item: {
        Delete: {
          TableName: tableName(),
          Key: keys.quickBooksCustomer(previousRealmId, old.customerId),
          ConditionExpression: 'attribute_not_exists(pk) OR companyId = :me',
          ExpressionAttributeValues: { ':me': before.id },
        },
      },
      onConditionFailed: () => new StaleReadError(),
    });
  }
  return items;
};

export type SyncOutcome = { ok: true; active: boolean } | { ok: false; error: string };

/**
 * The worker's result on the company: only while it is still linked to that customer and in
 * the status the sync was for (a later archive or restore queued its own sync). `false` when
 * the company changed or is gone.
 */
export const recordSyncOutcome = async (companyId: string, customerId: string, status: Company['status'], outcome: SyncOutcome): Promise<boolean> => {
  const set = {
    'integrations.quickbooks.syncStatus': outcome.ok ? 'synced' : 'failed',
    'integrations.quickbooks.lastError': outcome.ok ? null : outcome.error,
    ...(outcome.ok ? { 'integrations.quickbooks.active': outcome.active } : {}),
  };
  try {
    await db().send(
      new UpdateCommand(
        updateItem(
          keys.company(companyId),
          { set },
          {
            expression: 'attribute_exists(pk) AND #i.#qb.customerId = :cid AND #status = :status',
            names: { '#i': 'integrations', '#qb': 'quickbooks', '#status': 'status' },
            values: { ':cid': customerId, ':status': status },
          },
        ),
      ),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
};
