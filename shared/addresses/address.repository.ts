/**
 * Address items live in their company's partition, next to the company item and the billing
 * pointer, so one Query reads them all. Changes are returned as transaction items, each at the
 * address's version as read; a lost race for the billing pointer surfaces as `StaleReadError`
 * so the service can re-read and retry.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { companyActive } from '../companies/company.repository';
import { NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import type { Address } from './address.schema';

/** Another request changed which address is the billing one since we read it. */
const raced = () => new StaleReadError();

const toItem = (companyId: string, a: Address) => ({ ...keys.address(companyId, a.id), type: 'Address', companyId, ...a });

// Addresses written before they had a version are at version 1.
const fromItem = ({ pk: _pk, sk: _sk, type: _t, companyId: _c, ...rest }: Record<string, unknown>) => ({ ...rest, version: Number(rest.version ?? 1) }) as Address;

/** The address is still at `expected` (an item without a version is at 1). */
const atVersion = (expected: number) => (expected === 1 ? '(attribute_not_exists(version) OR version = :expected)' : 'version = :expected');
const versionFailed = (old: Record<string, unknown> | undefined) => (old ? new PreconditionFailedError(Number(old.version ?? 1)) : new NotFoundError('address'));

export interface CompanyAddresses {
  /** The company's status; `undefined` when there is no such company. */
  companyStatus: string | undefined;
  addresses: Address[];
}

/**
 * The company's status and every address: a Query of the `ADDRESS#` prefix alone (so no other
 * kind in the company's partition is ever read, whatever sorts near it) and the company item,
 * side by side.
 */
export const queryCompanyAddresses = async (companyId: string): Promise<CompanyAddresses> => {
  const [company, out] = await Promise.all([
    db().send(new GetCommand({ TableName: tableName(), Key: keys.company(companyId) })),
    db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.company(companyId).pk, ':prefix': keys.addressPrefix },
      }),
    ),
  ]);
  return { companyStatus: company.Item ? String(company.Item.status) : undefined, addresses: (out.Items ?? []).map(fromItem) };
};

export const getAddress = async (companyId: string, addressId: string): Promise<Address | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.address(companyId, addressId), ConsistentRead: true }));
  return out.Item ? fromItem(out.Item) : undefined;
};

/** The id of the company's billing address, if it has one. */
export const getBillingAddressId = async (companyId: string): Promise<string | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.billingAddress(companyId), ConsistentRead: true }));
  return out.Item ? String(out.Item.addressId) : undefined;
};

/** The company exists and is active (addresses of an archived company are preserved as they are). */
export const companyIsActive = (companyId: string): TxItem => companyActive(companyId, () => new NotFoundError('company'));

export const putNewAddress = (companyId: string, a: Address): TxItem => ({
  item: { Put: { TableName: tableName(), Item: toItem(companyId, a), ConditionExpression: 'attribute_not_exists(pk)' } },
});

/**
 * Makes `addressId` the billing address, provided the pointer still names `previous` (as read),
 * and clears the flag on `previous` in the same transaction.
 */
export const claimBilling = (companyId: string, addressId: string, previous: string | undefined): TxItem[] => {
  const pointer: TxItem = {
    item: {
      Put: {
        TableName: tableName(),
        Item: { ...keys.billingAddress(companyId), type: 'BillingAddress', addressId },
        ...(previous
          ? { ConditionExpression: 'attribute_not_exists(pk) OR addressId = :prev', ExpressionAttributeValues: { ':prev': previous } }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    },
    onConditionFailed: raced,
  };
  if (!previous || previous === addressId) return [pointer];
  return [
    pointer,
    {
      item: {
        // Clearing the flag is a change of that address: its version moves too.
        Update: {
          TableName: tableName(),
          Key: keys.address(companyId, previous),
          UpdateExpression: 'SET isBilling = :false, version = if_not_exists(version, :one) + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':false': false, ':one': 1 },
        },
      },
      onConditionFailed: raced,
    },
  ];
};

/** Removes the billing pointer if it still names `addressId`. */
export const releaseBilling = (companyId: string, addressId: string): TxItem => ({
  item: {
    Delete: {
      TableName: tableName(),
      Key: keys.billingAddress(companyId),
      ConditionExpression: 'addressId = :id',
      ExpressionAttributeValues: { ':id': addressId },
    },
  },
  onConditionFailed: raced,
});

/**
 * Sets the changed fields and the next version, at the version read: a concurrent change of
 * this address (a billing flag cleared by another one's claim included) fails the write.
 * With nothing to change it is a check of that version alone.
 */
export const updateAddressFields = (companyId: string, before: Address, after: Address, changed: (keyof Address)[]): TxItem => {
  const key = keys.address(companyId, before.id);
  const condition = `attribute_exists(pk) AND ${atVersion(before.version)}`;
  const values: Record<string, unknown> = { ':expected': before.version };
  if (changed.length === 0) {
    return { item: { ConditionCheck: { TableName: tableName(), Key: key, ConditionExpression: condition, ExpressionAttributeValues: values } }, onConditionFailed: versionFailed };
  }
  const names: Record<string, string> = {};
  const assignments = [...changed, 'version' as const].map((f) => {
    names[`#${f}`] = f;
    values[`:${f}`] = after[f];
    return `#${f} = :${f}`;
  });
  return {
    item: {
      Update: {
        TableName: tableName(),
        Key: key,
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    onConditionFailed: versionFailed,
  };
};

/** Deletes the address at the version read (so its billing flag, and the pointer to release, are as read). */
export const deleteAddressItem = (companyId: string, before: Address): TxItem => ({
  item: {
    Delete: {
      TableName: tableName(),
      Key: keys.address(companyId, before.id),
      ConditionExpression: `attribute_exists(pk) AND ${atVersion(before.version)}`,
      ExpressionAttributeValues: { ':expected': before.version },
    },
  },
  onConditionFailed: versionFailed,
});
