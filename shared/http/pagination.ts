/**
 * List paging: `?limit=` (1–100, default 50) and `?cursor=`. A cursor is DynamoDB's
 * LastEvaluatedKey, signed and bound to the query it came from, so a tampered cursor or one
 * from another listing is a 400, never a scan from an arbitrary key. The query's schema,
 * `pageQuery`, is with the other schema pieces (`common/schemas.ts`): this module has no zod, so
 * a repository that pages loads none at cold start.
 */
import { sign, verify } from '../crypto/signing';
import { BadRequestError } from './errors';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const PURPOSE = 'cursor';

export const encodeCursor = async (listing: string, lastKey: Record<string, unknown> | undefined): Promise<string | null> =>
  lastKey ? sign(PURPOSE, { l: listing, k: lastKey }) : null;

export const decodeCursor = async (listing: string, cursor: string | undefined): Promise<Record<string, unknown> | undefined> => {
  if (cursor === undefined) return undefined;
  const value = (await verify(PURPOSE, cursor)) as { l?: unknown; k?: unknown } | undefined;
  if (!value || value.l !== listing || typeof value.k !== 'object' || value.k === null) {
    throw new BadRequestError('INVALID_CURSOR', 'The cursor is malformed, tampered with, or belongs to another listing.', [
      { in: 'query', path: 'cursor', message: 'Invalid cursor' },
    ]);
  }
  return value.k as Record<string, unknown>;
};
