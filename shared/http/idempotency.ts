/**
 * Idempotency-Key for creating POSTs. The outcome is recorded in the same transaction as the
 * creation (listed first, so its failed condition is the one reported): a retry with the same
 * key and body replays the recorded response and creates nothing; another body is a 422.
 * Records expire after 24 h (TTL, and checked on read because TTL deletion is lazy).
 */
import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../db/keys';
import { db, tableName } from '../db/client';
import type { TxItem } from '../db/transact';
import { BadRequestError, IdempotencyKeyReusedError } from './errors';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export interface IdempotencyContext {
  /** Hash of caller, route and key. */
  scope: string;
  /** Hash of the request (path and body). */
  requestHash: string;
}

export interface RecordedResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Thrown by a transaction whose Idempotency-Key was already used for this very request. */
export class IdempotentReplay extends Error {
  constructor(readonly response: RecordedResponse) {
    super('Idempotent replay');
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** JSON with sorted keys, so `{a,b}` and `{b,a}` are the same body. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

export const idempotencyContext = (
  header: string | undefined,
  caller: string,
  routeKey: string,
  path: string,
  body: unknown,
): IdempotencyContext | undefined => {
  if (header === undefined) return undefined;
  if (header.length < 1 || header.length > 255 || !/^[\x21-\x7e]+$/.test(header)) {
    throw new BadRequestError('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1–255 visible ASCII characters.', [
      { in: 'header', path: 'Idempotency-Key', message: 'Invalid Idempotency-Key' },
    ]);
  }
  return { scope: sha256(`${caller}\n${routeKey}\n${header}`), requestHash: sha256(`${path}\n${canonical(body ?? null)}`) };
};

/** The transaction item that records `response` under the key; empty when the request has none. */
export const recordIdempotent = (ctx: IdempotencyContext | undefined, response: RecordedResponse, now = new Date()): TxItem[] => {
  if (!ctx) return [];
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return [
    {
      item: {
        Put: {
          TableName: tableName(),
          Item: {
            ...keys.idempotency(ctx.scope),
            type: 'IdempotencyRecord',
            requestHash: ctx.requestHash,
            response: JSON.stringify(response),
            expiresAt: nowSeconds + IDEMPOTENCY_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        },
      },
      onConditionFailed: (old) => {
        if (old?.requestHash !== ctx.requestHash) return new IdempotencyKeyReusedError();
        return new IdempotentReplay(JSON.parse(String(old.response)) as RecordedResponse);
      },
    },
  ];
};

/**
 * For a POST whose rules read state first (a payment on an invoice that the first attempt may
 * have paid off): answers a retry from the record before the rules run, so a replay never
 * becomes a 409. The record in the transaction still guards two attempts racing.
 */
export const replayIfRecorded = async (ctx: IdempotencyContext | undefined, now = new Date()): Promise<void> => {
  if (!ctx) return;
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.idempotency(ctx.scope), ConsistentRead: true }));
  const old = out.Item;
  if (!old || Number(old.expiresAt) < Math.floor(now.getTime() / 1000)) return;
  if (old.requestHash !== ctx.requestHash) throw new IdempotencyKeyReusedError();
  throw new IdempotentReplay(JSON.parse(String(old.response)) as RecordedResponse);
};
