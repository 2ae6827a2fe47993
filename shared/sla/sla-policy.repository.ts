/**
 * SLA policy items (`SLAPOLICY#<id>`), listed in creation order on GSI1, and the default
 * pointer (`keys.slaDefault`): which policy is the default is one item, changed in the same
 * transaction as the two policies' `isDefault` flags, so exactly one default holds whatever
 * runs at the same instant. Changes are returned as transaction items for the service.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { readIndexPage } from '../db/index-read';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { versionIs } from '../http/concurrency';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import type { SlaPolicy } from './sla.schema';

/** A stored policy, with how many companies' settings name it (`usedBy`, not part of the resource). */
export type StoredSlaPolicy = SlaPolicy & { usedBy: number };

const toItem = (p: StoredSlaPolicy) => ({ ...keys.slaPolicy(p.id), ...keys.slaPolicyList(p.id), type: 'SlaPolicy', ...p });

const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, type: _t, usedBy, ...rest }: Record<string, unknown>): StoredSlaPolicy =>
  ({ ...rest, usedBy: Number(usedBy ?? 0) }) as StoredSlaPolicy;

/** The resource: the stored policy without its bookkeeping. */
export const toSlaPolicy = ({ usedBy: _u, ...p }: StoredSlaPolicy): SlaPolicy => p;

export const getSlaPolicy = async (id: string, consistent = false): Promise<StoredSlaPolicy | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.slaPolicy(id), ConsistentRead: consistent }));
  return out.Item ? fromItem(out.Item) : undefined;
};

/** The default policy's id (`undefined` before the first policy exists). */
export const getDefaultPolicyId = async (consistent = true): Promise<string | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.slaDefault(), ConsistentRead: consistent }));
  return typeof out.Item?.policyId === 'string' ? out.Item.policyId : undefined;
};

/** Policies in creation order, one page of GSI1. */
export const listSlaPolicies = async (limit: number, cursor?: string): Promise<Page<StoredSlaPolicy>> => {
  const listing = 'sla-policies';
  const out = await readIndexPage({ index: 'gsi1', partitions: [keys.slaPolicyListPartition] }, limit, await decodeCursor(listing, cursor));
  return { items: out.items.map(fromItem), nextCursor: await encodeCursor(listing, out.next) };
};

const versionFailed = (old: Record<string, unknown> | undefined) => (old ? new PreconditionFailedError(Number(old.version)) : new NotFoundError('SLA policy'));

export const putNewSlaPolicy = (p: StoredSlaPolicy): TxItem => ({
  item: { Put: { TableName: tableName(), Item: toItem(p), ConditionExpression: 'attribute_not_exists(pk)' } },
});

/** The policy as `after`, at the version `before` was read at (`usedBy` is kept as stored: only settings move it). */
export const replaceSlaPolicy = (before: StoredSlaPolicy, after: SlaPolicy): TxItem => {
  const at = versionIs(before.version);
  const { id: _id, ...fields } = after;
  return {
    item: { Update: updateItem(keys.slaPolicy(before.id), { set: fields }, { expression: at.expression, values: at.values }) },
    onConditionFailed: versionFailed,
  };
};

export const slaDefaultRequired = () =>
  new ConflictError('SLA_DEFAULT_REQUIRED', 'Exactly one SLA policy is the default: make another policy the default instead.');
export const slaPolicyInUse = (n: number) =>
  new ConflictError('SLA_POLICY_IN_USE', `The SLA policy is the policy of ${n} ${n === 1 ? 'company' : 'companies'} (their settings name it); choose another for them first.`);

/** Deletes the policy at the version read, unless it is the default or a company's settings name it (checked again here). */
export const deleteSlaPolicyItem = (before: StoredSlaPolicy): TxItem => {
  const at = versionIs(before.version);
  return {
    item: {
      Delete: {
        TableName: tableName(),
        Key: keys.slaPolicy(before.id),
        ConditionExpression: `${at.expression} AND isDefault = :false AND (attribute_not_exists(usedBy) OR usedBy = :zero)`,
        ExpressionAttributeValues: { ...at.values, ':false': false, ':zero': 0 },
      },
    },
    onConditionFailed: (old) => {
      if (!old || Number(old.version) !== before.version) return versionFailed(old);
      if (old.isDefault === true) return slaDefaultRequired();
      return slaPolicyInUse(Number(old.usedBy ?? 0));
    },
  };
};

/**
 * The default pointer moves from `fromId` (undefined: there is none yet) to `to`, and the old
 * default's flag goes in the same transaction. A pointer moved meanwhile is a lost race. The
 * pointer carries a copy of the default policy (`policy`), so a new ticket reads it with its
 * company in one BatchGetItem; every change of the default policy rewrites the copy
 * (`refreshDefaultCopy`) in its own transaction.
 */
export const moveDefault = (fromId: string | undefined, to: SlaPolicy, now: string): TxItem[] => {
  const pointer: TxItem = fromId
    ? {
        item: { Update: updateItem(keys.slaDefault(), { set: { policyId: to.id, policy: to } }, { expression: 'policyId = :from', values: { ':from': fromId } }) },
        onConditionFailed: () => new StaleReadError(),
      }
    : {
        item: { Put: { TableName: tableName(), Item: { ...keys.slaDefault(), type: 'SlaDefault', policyId: to.id, policy: to }, ConditionExpression: 'attribute_not_exists(pk)' } },
        onConditionFailed: () => new StaleReadError(),
      };
  if (!fromId || fromId === to.id) return [pointer];
  const unflag: TxItem = {
    item: { Update: updateItem(keys.slaPolicy(fromId), { set: { isDefault: false, updatedAt: now }, add: { version: 1 } }, { expression: 'isDefault = :true', values: { ':true': true } }) },
    onConditionFailed: () => new StaleReadError(),
  };
  return [pointer, unflag];
};

/** The default policy changed (not moved): the pointer's copy follows, while it still names it. */
export const refreshDefaultCopy = (policy: SlaPolicy): TxItem => ({
  item: { Update: updateItem(keys.slaDefault(), { set: { policy } }, { expression: 'policyId = :id', values: { ':id': policy.id } }) },
  onConditionFailed: () => new StaleReadError(),
});

/** The default policy from the pointer item (its copy; a pointer written before it carried one: undefined, read the policy). */
export const defaultPolicyOf = (pointer: Record<string, unknown> | undefined): { id: string | undefined; policy: StoredSlaPolicy | undefined } => ({
  id: typeof pointer?.policyId === 'string' ? pointer.policyId : undefined,
  policy: pointer?.policy ? ({ ...(pointer.policy as SlaPolicy), usedBy: 0 } as StoredSlaPolicy) : undefined,
});

/** A company's settings name the policy (+1) or stop naming it (-1): it must exist (a new choice is checked here, in the settings' transaction). */
export const countPolicyUse = (policyId: string, delta: 1 | -1): TxItem => ({
  item: { Update: updateItem(keys.slaPolicy(policyId), { add: { usedBy: delta } }, { expression: 'attribute_exists(pk)' }) },
  onConditionFailed: () => new BadRequestError('UNKNOWN_SLA_POLICY', `No SLA policy has the id ${policyId}.`, [{ path: '/slaPolicyId', message: 'Unknown SLA policy' }]),
});
