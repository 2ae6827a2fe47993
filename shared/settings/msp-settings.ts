/**
 * The MSP-wide defaults (`GET|PUT /v1/settings`, API.md v1.1 "Client settings"): the time zone,
 * the currency and the ticket categories. Categories are the MSP's to edit (one item,
 * `SETTINGS#MSP`); a company whose settings list none takes them for its portal tickets. The
 * time zone and the currency are the deployment's (`TIMEZONE`, `DEFAULT_CURRENCY`:
 * shared/billing/msp-defaults.ts): every billing date and amount already issued was computed
 * in them, so they are shown here and changed by a deploy, never by a request (`409
 * DEPLOYMENT_SETTING`). Zod-free: the portal reads it on its ticket path.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mspCurrency, mspTimeZone } from '../billing/msp-defaults';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { PreconditionFailedError } from '../http/errors';

export interface MspSettings {
  timezone: string;
  currency: string;
  categories: string[];
  /** 0 until the first PUT. */
  version: number;
  updatedAt: string | null;
}

export const getMspSettings = async (consistent = false): Promise<MspSettings> => {
  const item = (await db().send(new GetCommand({ TableName: tableName(), Key: keys.mspSettings(), ConsistentRead: consistent }))).Item;
  return {
    timezone: mspTimeZone(),
    currency: mspCurrency(),
    categories: (item?.categories as string[] | undefined) ?? [],
    version: Number(item?.version ?? 0),
    updatedAt: (item?.updatedAt as string | undefined) ?? null,
  };
};

/** The categories at the version read (0: none yet), as a transaction item: another write first is 412 / 409 (shared/http/concurrency.ts). */
export const putMspCategories = (categories: string[], version: number, now: string): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.mspSettings(), type: 'MspSettings', categories, version: version + 1, updatedAt: now },
      ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
      ExpressionAttributeValues: version === 0 ? undefined : { ':v': version },
    },
  },
  onConditionFailed: (old) => new PreconditionFailedError(Number(old?.version ?? 0)),
});
