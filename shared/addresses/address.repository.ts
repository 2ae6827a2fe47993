/**
 * Address items live in their company's partition, next to the company item and the billing
 * pointer, so one Query reads them all. Changes are returned as transaction items; a lost race
 * for the billing pointer surfaces as `StaleReadError` so the service can re-read and retry.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { companyArchived } from '../companies/company.repository';
import { NotFoundError, StaleReadError } from '../http/errors';
import type { Address } from './address.schema';

/** Another request changed which address is the billing one since we read it. */
const raced = () => new StaleReadError();

const toItem = (companyId: string, a: Address) => ({ ...keys.address(companyId, a.id), type: 'Address', companyId, ...a });

const fromItem = ({ pk: _pk, sk: _sk, type: _t, companyId: _c, ...rest }: Record<string, unknown>) => rest as Address;

export interface CompanyAddresses {
  /** The company's status; `undefined` when there is no such company. */
  companyStatus: string | undefined;
  addresses: Address[];
}

/** The company item, the billing pointer and every address, in one Query ('ADDRESS#' < 'BILLINGADDRESS' < 'COMPANY'). */
export const queryCompanyAddresses = async (companyId: string): Promise<CompanyAddresses> => {
  const out = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.company(companyId).pk, ':from': 'ADDRESS#', ':to': keys.company(companyId).sk },
    }),
  );
  const items = out.Items ?? [];
  const company = items.find((i) => i.type === 'Company');
  return { companyStatus: company ? String(company.status) : undefined, addresses: items.filter((i) => i.type === 'Address').map(fromItem) };
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

/** The company exists and is active (addresses of an archived company are read-only). */
export const companyIsActive = (companyId: string): TxItem => ({
  item: {
    ConditionCheck: {
      TableName: tableName(),
      Key: keys.company(companyId),
      ConditionExpression: 'attribute_exists(pk) AND #status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':active': 'active' },
    },
  },
  onConditionFailed: (old) => (old ? companyArchived() : new NotFoundError('company')),
});

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
        Update: {
          TableName: tableName(),
          Key: keys.address(companyId, previous),
          UpdateExpression: 'SET isBilling = :false',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':false': false },
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
 * Sets the changed fields. When the billing flag changes, the address must still have the flag
 * as read, so a concurrent billing move makes this a retry instead of a second billing address.
 */
export const updateAddressFields = (companyId: string, before: Address, after: Address, changed: (keyof Address)[]): TxItem => {
  const key = keys.address(companyId, before.id);
  const guardBilling = changed.includes('isBilling');
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = guardBilling ? { ':wasBilling': before.isBilling } : {};
  const condition = guardBilling ? 'attribute_exists(pk) AND isBilling = :wasBilling' : 'attribute_exists(pk)';
  const onConditionFailed = (old: Record<string, unknown> | undefined) => (old ? raced() : new NotFoundError('address'));
  if (changed.length === 0) {
    return { item: { ConditionCheck: { TableName: tableName(), Key: key, ConditionExpression: condition } }, onConditionFailed };
  }
  const assignments = changed.map((f) => {
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
    onConditionFailed,
  };
};

/** Deletes the address if its billing flag is still as read (else the pointer may need to go too). */
export const deleteAddressItem = (companyId: string, before: Address): TxItem => ({
  item: {
    Delete: {
      TableName: tableName(),
      Key: keys.address(companyId, before.id),
      ConditionExpression: 'attribute_exists(pk) AND isBilling = :wasBilling',
      ExpressionAttributeValues: { ':wasBilling': before.isBilling },
    },
  },
  onConditionFailed: (old) => (old ? raced() : new NotFoundError('address')),
});
