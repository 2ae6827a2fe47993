/**
 * Links from an outside system's ids to our records (`keys.externalLink`): read by the inbound
 * upsert, written in the transaction that creates or links the record, deleted in the
 * transaction that deletes it (contacts) or the permanent delete (companies), like the guard
 * items of names and emails.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { concurrentChange, StaleReadError } from '../http/errors';

export type ExternalKind = 'COMPANY' | 'CONTACT';
export type ExternalIds = Record<string, string>;

/**
 * The marker every write through the upsert leaves on the record: which system wrote it and at
 * which version. Internal (not in the resource): change capture reads a stream image whose
 * `syncedFrom.version` equals its `version` as coming from that system, and does not send it
 * back there. Every other write moves `version` on, so the marker goes stale by itself.
 */
export interface SyncedFrom {
  system: string;
  version: number;
}

/** The audit entries' reason for a change made through the upsert. */
export const externalSource = (system: string) => `external:${system}`;

/** The record id a link points at (strongly consistent), or undefined. */
export const getExternalLink = async (system: string, kind: ExternalKind, externalId: string): Promise<string | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.externalLink(system, kind, externalId), ConsistentRead: true }));
  return out.Item?.recordId as string | undefined;
};

/**
 * Puts the link, on the condition that it is as read: absent, or (`staleRecordId`) pointing at
 * a record that no longer exists. Otherwise someone linked it meanwhile: read again.
 */
export const putExternalLink = (system: string, kind: ExternalKind, externalId: string, recordId: string, staleRecordId?: string): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.externalLink(system, kind, externalId), type: 'ExternalLink', system, kind, externalId, recordId },
      ConditionExpression: staleRecordId ? 'recordId = :stale' : 'attribute_not_exists(pk)',
      ...(staleRecordId ? { ExpressionAttributeValues: { ':stale': staleRecordId } } : {}),
    },
  },
  onConditionFailed: () => new StaleReadError(),
});

/** Deletes a record's links (from its `externalIds`), each only while it still points at the record. */
export const deleteExternalLinks = (kind: ExternalKind, recordId: string, externalIds: ExternalIds | null | undefined): TxItem[] =>
  Object.entries(externalIds ?? {}).map(([system, externalId]) => ({
    item: {
      Delete: {
        TableName: tableName(),
        Key: keys.externalLink(system, kind, externalId),
        ConditionExpression: 'attribute_not_exists(pk) OR recordId = :id',
        ExpressionAttributeValues: { ':id': recordId },
      },
    },
    // Only a link to a record that no longer exists is ever moved, so this one cannot point elsewhere while the record is here.
    onConditionFailed: () => concurrentChange(),
  }));
