/**
 * Comment items live in their ticket's partition (`TICKET#<id>` / `COMMENT#<ulid>`), next to the
 * ticket item (`TICKET#<id>` / `TICKET`), so a ticket and its comments are one Query.
 */
import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { NotFoundError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import type { StoredRecord } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import { commentSchema, type Comment } from './comment.schema';

const TICKET = recordKinds.ticket;
const TICKET_SK = keys.record(TICKET.prefix, '_').sk;
const COMMENT_SK_PREFIX = keys.ticketCommentPrefix;

const FIELDS = Object.keys(commentSchema.shape) as (keyof Comment)[];
export const toComment = (item: Record<string, unknown>): Comment => Object.fromEntries(FIELDS.map((f) => [f, item[f] ?? null])) as Comment;

const stripKeys = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, type: _t, ...rest }: Record<string, unknown>) => rest;
const isComment = (item: Record<string, unknown>) => typeof item.sk === 'string' && item.sk.startsWith(COMMENT_SK_PREFIX);
const isTicket = (item: Record<string, unknown>) => item.sk === TICKET_SK;

/** The new comment, in the ticket's partition. */
export const putComment = (ticketId: string, c: Comment): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.ticketComment(ticketId, c.id), type: 'Comment', ticketId, ...c },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
});

/**
 * The ticket a comment goes on, as a transaction item: it must exist and still be in
 * `companyId` (the caller's company from the portal, the ticket's company as staff read it;
 * `null`: a ticket whose company was permanently deleted). From the portal any other ticket is
 * `404`, whatever the reason; for staff a ticket moved since the read is read again.
 */
export const ticketGuard = (ticketId: string, companyId: string | null, moved: 'not-found' | 'retry'): TxItem => ({
  item: {
    ConditionCheck: {
      TableName: tableName(),
      Key: keys.record(TICKET.prefix, ticketId),
      ConditionExpression: companyId ? 'attribute_exists(pk) AND companyId = :company' : 'attribute_exists(pk) AND attribute_type(companyId, :null)',
      ExpressionAttributeValues: companyId ? { ':company': companyId } : { ':null': 'NULL' },
    },
  },
  onConditionFailed: (old) => (old && moved === 'retry' ? new StaleReadError() : new NotFoundError('ticket')),
});

/**
 * A ticket's comments, newest first: one Query of the `COMMENT#` prefix alone (no other kind in
 * the ticket's partition is read or counted against `limit`), and on the first page the ticket
 * item beside it, so an unknown ticket is `404`, not an empty list.
 */
export const listComments = async (ticketId: string, limit: number, cursor?: string): Promise<Page<Comment>> => {
  const listing = `comments:${keys.ticketPartition(ticketId)}`;
  const start = await decodeCursor(listing, cursor);
  const [ticket, out] = await Promise.all([
    start ? undefined : db().send(new GetCommand({ TableName: tableName(), Key: keys.record(TICKET.prefix, ticketId) })),
    db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.ticketPartition(ticketId), ':prefix': COMMENT_SK_PREFIX },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    ),
  ]);
  if (ticket && !ticket.Item) throw new NotFoundError('ticket');
  return { items: (out.Items ?? []).map(toComment), nextCursor: await encodeCursor(listing, out.LastEvaluatedKey) };
};

/**
 * A ticket with its comments (oldest first), from one Query of its partition; `publicOnly`
 * leaves internal comments in the table (a FilterExpression), so they never reach the caller.
 */
export const getTicketWithComments = async (ticketId: string, publicOnly: boolean): Promise<{ ticket: StoredRecord; comments: Comment[] } | undefined> => {
  const input: QueryCommandInput = {
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.ticketPartition(ticketId), ...(publicOnly ? { ':ticket': TICKET.name, ':public': 'public' } : {}) },
    // Key attributes cannot be filtered on: the ticket item is recognised by its `type`.
    ...(publicOnly ? { FilterExpression: '#type = :ticket OR visibility = :public', ExpressionAttributeNames: { '#type': 'type' } } : {}),
  };
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db().send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  const ticket = items.find(isTicket);
  if (!ticket) return undefined;
  const comments = items.filter(isComment).filter((c) => !publicOnly || c.visibility === 'public');
  return { ticket: stripKeys(ticket) as StoredRecord, comments: comments.map(toComment) };
};
