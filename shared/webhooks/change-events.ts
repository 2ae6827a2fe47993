/**
 * What a webhook receiver is told: company, contact and contract changes, read from the table's
 * change stream (old and new image of each item), so every write path (API, CSV import,
 * Microsoft 365 sync, schedules, the inbound CRM upsert) is covered without each one publishing,
 * and a change and its event can never part: the stream record is the committed change.
 *
 * Pure: an image pair in, events out. A change only a list or a counter sees (counts, balances,
 * sync times, `version` and `updatedAt` alone) is no event.
 */
import { decodeTime, encodeTime } from 'ulid';
import { createHash } from 'node:crypto';
import { companyFromItem } from '../companies/company.repository';
import { toContact } from '../contacts/contact.repository';
import { contractFromItem } from '../contracts/contract.repository';

export const CHANGE_KINDS = ['company', 'contact', 'contract'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
const ACTIONS = ['created', 'updated', 'archived', 'deleted'] as const;
type Action = (typeof ACTIONS)[number];
export type ChangeEventType = `${ChangeKind}.${Action}`;

export const CHANGE_EVENT_TYPES = CHANGE_KINDS.flatMap((k) => ACTIONS.map((a) => `${k}.${a}` as const)) as [ChangeEventType, ...ChangeEventType[]];
/** What a webhook may subscribe to: an event type, or every event of a kind (`company.*`). */
export const EVENT_SELECTORS = [...CHANGE_KINDS.map((k) => `${k}.*` as const), ...CHANGE_EVENT_TYPES] as [string, ...string[]];

/** The stored item types the stream consumer's filter selects, by their sort key (shared/streams.ts). */
export const CHANGE_ITEM_SORT_KEYS = { COMPANY: 'company', CONTACT: 'contact', CONTRACT: 'contract' } as const satisfies Record<string, ChangeKind>;

export interface ChangeEvent {
  /** `msg_<ULID>`: time-ordered, and the same for every read of the same stream record (the `webhook-id`). */
  id: string;
  type: ChangeEventType;
  /** When the change was committed. */
  timestamp: string;
  /** The resource as the API shows it: after the change, or as it was last (deleted). */
  data: Record<string, unknown>;
  /** The external system the change came in from (`PUT /v1/external/{system}/…`), else null: a webhook of that system is not told (the loop guard). */
  origin: string | null;
}

type Image = Record<string, unknown>;

const resource: Record<ChangeKind, (item: Image) => Record<string, unknown>> = {
  company: (item) => companyFromItem(item) as unknown as Record<string, unknown>,
  contact: (item) => toContact(item) as unknown as Record<string, unknown>,
  contract: (item) => contractFromItem(item) as unknown as Record<string, unknown>,
};

/** Fields whose change alone tells a receiver nothing: bookkeeping, counters, sync times, billing's next date. */
const QUIET: Record<ChangeKind, readonly string[]> = {
  company: ['version', 'updatedAt', 'counts', 'outstandingBalance', 'integrations'],
  contact: ['version', 'updatedAt', 'counts'],
  contract: ['version', 'updatedAt', 'nextBillingDate'],
};

const meaningful = (kind: ChangeKind, r: Record<string, unknown>) => JSON.stringify(Object.entries(r).filter(([k]) => !QUIET[kind].includes(k)));

/** A company archived, a contact deactivated, a contract cancelled or expired: the kind's "archived". */
const retired: Record<ChangeKind, (r: Record<string, unknown>) => boolean> = {
  company: (r) => r.status === 'archived',
  contact: (r) => r.status === 'inactive',
  contract: (r) => r.status === 'cancelled' || r.status === 'expired',
};

/** 80 bits from the stream record's own id: the event id is the same however often the record is read. */
const eventId = (recordId: string, at: number) => {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const hash = createHash('sha256').update(recordId).digest();
  let bits = '';
  for (const byte of hash.subarray(0, 10)) bits += byte.toString(2).padStart(8, '0');
  let random = '';
  for (let i = 0; i < 80; i += 5) random += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return `msg_${encodeTime(at, 10)}${random}`;
};

/** When the event id says its change happened (ms). */
export const eventTime = (id: string): number => decodeTime(id.slice(4));

/**
 * The event of one stream record of a company, contact or contract item, or none.
 * `recordId` is the stream record's `eventID`; `at` its creation time (ms).
 */
export const changeEvent = (kind: ChangeKind, recordId: string, at: number, oldImage: Image | undefined, newImage: Image | undefined): ChangeEvent | undefined => {
  const before = oldImage ? resource[kind](oldImage) : undefined;
  const after = newImage ? resource[kind](newImage) : undefined;
  let action: Action;
  if (!before && after) action = 'created';
  else if (before && !after) action = 'deleted';
  else if (before && after) {
    if (meaningful(kind, before) === meaningful(kind, after)) return undefined;
    action = retired[kind](after) && !retired[kind](before) ? 'archived' : 'updated';
  } else return undefined;
  const synced = newImage?.syncedFrom as { system?: unknown; version?: unknown } | undefined;
  const origin = action !== 'deleted' && typeof synced?.system === 'string' && synced.version === newImage?.version ? synced.system : null;
  return { id: eventId(recordId, at), type: `${kind}.${action}`, timestamp: new Date(at).toISOString(), data: (after ?? before)!, origin };
};

/** Does a webhook subscribed to `selectors` want `type`? */
export const subscribes = (selectors: readonly string[], type: ChangeEventType): boolean => selectors.includes(type) || selectors.includes(`${type.split('.')[0]}.*`);

/** The body a receiver gets (Standard Webhooks: `type`, `timestamp`, `data`). */
export const payloadOf = (e: ChangeEvent): string => JSON.stringify({ type: e.type, timestamp: e.timestamp, data: e.data, origin: e.origin });
