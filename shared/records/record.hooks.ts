/**
 * Per-kind rules beyond the generic ones (company, contact, counters), each in its own
 * capability: a kind that needs one names it here, and the generic service runs it on every
 * create and change, so no kind is special-cased anywhere else.
 */
import type { TxItem } from '../db/transact';
import { ticketContract } from '../contracts/ticket-contract';
import { ticketSla } from '../sla/ticket-sla';
import { ticketAssignment } from '../settings/ticket-assignment';
import { ticketEvents } from '../notifications/ticket-events';
import type { StoredRecord } from './record.repository';
import type { RecordKindName } from './record.schema';

export interface RecordWrite {
  /** The record as read (absent on create). */
  before: StoredRecord | undefined;
  /** The record as it would be written. */
  after: StoredRecord;
  /** The fields the request sent (absent ones are not there). */
  input: Record<string, unknown>;
  /** The company item of `after` as stored (its settings too), read once per write whichever rules ask (undefined: none). */
  company: () => Promise<Record<string, unknown> | undefined>;
  /** An item a rule named in `reads`, from the same BatchGetItem as the company (undefined: none). */
  item: (key: Record<string, string>) => Promise<Record<string, unknown> | undefined>;
}

export interface RecordHook {
  /** Items the rule reads on every write, fetched with the company item in one BatchGetItem (a pointer such as the default SLA policy). */
  reads?: readonly Record<string, string>[];
  /** Before the write: the fields it fills in (defaults) and the transaction items that check what they refer to, written with the record. */
  prepare(w: RecordWrite): Promise<{ set?: Record<string, unknown>; items: TxItem[] }>;
}

/** Several rules of one kind, in order: each sees what the ones before it filled in. */
const allOf = (...hooks: RecordHook[]): RecordHook => ({
  reads: hooks.flatMap((h) => h.reads ?? []),
  async prepare(w) {
    const set: Record<string, unknown> = {};
    const items: TxItem[] = [];
    for (const hook of hooks) {
      const out = await hook.prepare(w);
      Object.assign(w.after, out.set);
      Object.assign(set, out.set);
      items.push(...out.items);
    }
    return { set, items };
  },
});

export const recordHooks: Partial<Record<RecordKindName, RecordHook>> = {
  ticket: allOf(ticketContract, ticketAssignment, ticketSla, ticketEvents),
};
