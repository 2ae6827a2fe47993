/**
 * Installer token items (`INSTALLERTOKEN#<id>`, listed by company on GSI1 in creation order)
 * and the serial-number guards of registered devices (`COMPANY#<id>` / `ASSETSERIAL#<serial>`).
 * Only the token secret's SHA-256 is stored (shared/crypto/secret-token.ts).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { readIndexPage } from '../db/index-read';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { NotFoundError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import type { InstallerToken } from './installer-token.schema';

export type StoredInstallerToken = InstallerToken & { secretHash: string };

const toItem = (t: StoredInstallerToken) => ({ ...keys.installerToken(t.id), ...keys.installerTokenList(t.companyId, t.id), type: 'InstallerToken', ...t });
const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, type: _t, ...rest }: Record<string, unknown>) => rest as unknown as StoredInstallerToken;

export const toInstallerToken = ({ secretHash: _h, ...t }: StoredInstallerToken): InstallerToken => t;

export const getInstallerToken = async (id: string): Promise<StoredInstallerToken | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.installerToken(id), ConsistentRead: true }));
  return out.Item ? fromItem(out.Item) : undefined;
};

export const listInstallerTokens = async (companyId: string, limit: number, cursor?: string): Promise<Page<StoredInstallerToken>> => {
  const listing = `installer-tokens:${companyId}`;
  const out = await readIndexPage({ index: 'gsi1', partitions: [keys.installerTokensOfCompany(companyId)] }, limit, await decodeCursor(listing, cursor));
  return { items: out.items.map(fromItem), nextCursor: await encodeCursor(listing, out.next) };
};

export const putNewInstallerToken = (t: StoredInstallerToken): TxItem => ({ item: { Put: { TableName: tableName(), Item: toItem(t), ConditionExpression: 'attribute_not_exists(pk)' } } });

export class AlreadyRevoked extends Error {}

/** Revokes the token, once: a second revoke keeps the first time. */
export const revokeInstallerTokenItem = (id: string, at: string): TxItem => ({
  item: { Update: updateItem(keys.installerToken(id), { set: { revokedAt: at } }, { expression: 'attribute_exists(pk) AND revokedAt = :null', values: { ':null': null } }) },
  onConditionFailed: (old) => (old ? new AlreadyRevoked() : new NotFoundError('installer token')),
});

/**
 * One use of the token, in the registration's transaction: only while it is live (not revoked,
 * not expired, under its use limit), so concurrent registrations never exceed `maxUses`.
 */
export const useInstallerTokenItem = (id: string, now: Date, refused: () => Error): TxItem => ({
  item: {
    Update: updateItem(
      keys.installerToken(id),
      { add: { uses: 1 } },
      {
        expression: 'attribute_exists(pk) AND revokedAt = :null AND expiresAt > :now AND (maxUses = :null OR uses < maxUses)',
        values: { ':null': null, ':now': now.toISOString() },
      },
    ),
  },
  onConditionFailed: refused,
});

export interface SerialGuard {
  assetId: string;
}

export const getSerialGuard = async (companyId: string, serial: string): Promise<SerialGuard | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.assetSerial(companyId, serial), ConsistentRead: true }));
  return out.Item ? { assetId: out.Item.assetId as string } : undefined;
};

/**
 * Claims the serial for `assetId`: a new guard, or one that pointed at `replacing` (an asset
 * staff since moved or gave another serial). A concurrent registration that claimed it first
 * fails this condition: the caller reads again and updates that asset instead.
 */
export const claimSerialItem = (companyId: string, serial: string, assetId: string, replacing?: string): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.assetSerial(companyId, serial), type: 'AssetSerial', assetId },
      ...(replacing
        ? { ConditionExpression: 'assetId = :old', ExpressionAttributeValues: { ':old': replacing } }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  },
  onConditionFailed: () => new StaleReadError(),
});
