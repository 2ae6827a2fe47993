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
import { allOf, anyDiffers, conditionCheck, updateItem } from '../db/update';
import { atVersion, versionIs } from '../http/concurrency';
import { companyActive } from '../companies/company.repository';
import { NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import type { Address } from './address.schema';

/** Another request changed which address is the billing one since we read it. */
const raced = () => new StaleReadError();

const toItem = (companyId: string, a: Address) => ({ ...keys.address(companyId, a.id), type: 'Address', companyId, ...a });

// Addresses written before they had a version are at version 1.
const fromItem = ({ pk: _pk, sk: _sk, type: _t, companyId: _c, ...rest }: Record<string, unknown>) => ({ ...rest, version: Number(rest.version ?? 1) }) as Address;

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
        Update: updateItem(keys.address(companyId, previous), { set: { isBilling: false }, increment: { version: { by: 1, missingAs: 1 } } }, { expression: 'attribute_exists(pk)' }),
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
  const condition = versionIs(before.version);
  if (changed.length === 0) return { item: { ConditionCheck: conditionCheck(key, condition) }, onConditionFailed: versionFailed };
  const set = Object.fromEntries([...changed, 'version' as const].map((f) => [f, after[f]]));
  return { item: { Update: updateItem(key, { set }, condition) }, onConditionFailed: versionFailed };
};

/**
 * `If-Match: "n"` without a read: the sent fields (never `isBilling`, whose pointer needs the
 * current one) at version n, which becomes n + 1; fails with 404, 412, or "already as
 * requested" (`atVersion`), told apart from the item as it was.
 */
export const updateAddressAtVersion = (companyId: string, addressId: string, ifMatch: number, set: Partial<Address>): TxItem => {
  if ('isBilling' in set) throw new Error('updateAddressAtVersion: the billing flag moves the pointer; read first');
  return {
    item: { Update: updateItem(keys.address(companyId, addressId), { set: { ...set, version: ifMatch + 1 } }, allOf(versionIs(ifMatch), anyDiffers(set))) },
    onConditionFailed: atVersion('address', ifMatch),
  };
};

/** A delete without a read found the billing address: its pointer must go too, which the read path does. */
export class IsBillingAddress extends Error {}

/**
 * `If-Match: "n"` without a read: deletes the address at n unless it is the billing one (whose
 * pointer must be released in the same transaction: `IsBillingAddress`, and the service reads).
 */
export const deleteAddressAtVersion = (companyId: string, addressId: string, ifMatch: number): TxItem => {
  const condition = allOf(versionIs(ifMatch), { expression: '(attribute_not_exists(isBilling) OR isBilling <> :true)', values: { ':true': true } });
  return {
    item: { Delete: { ...conditionCheck(keys.address(companyId, addressId), condition) } },
    onConditionFailed: atVersion('address', ifMatch, () => new IsBillingAddress()),
  };
};

/** An address item as the API shows it (e.g. the item a failed condition returned). */
export const addressFromItem = (item: Record<string, unknown>): Address => fromItem(item);

/** Deletes the address at the version read (so its billing flag, and the pointer to release, are as read). */
export const deleteAddressItem = (companyId: string, before: Address): TxItem => ({
  item: {
    Delete: {
      TableName: tableName(),
      Key: keys.address(companyId, before.id),
      ConditionExpression: versionIs(before.version).expression,
      ExpressionAttributeValues: versionIs(before.version).values,
    },
  },
  onConditionFailed: versionFailed,
});
