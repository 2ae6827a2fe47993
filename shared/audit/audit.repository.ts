/**
 * The audit log: append-only entries in their own partition per company, so they outlive the
 * company item. Entries are written only as part of the transaction that makes the change.
 */
import { monotonicFactory } from 'ulid';
import { tableName } from '../db/client';
import { pagePartition } from '../db/partition-page';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import type { Page } from '../http/pagination';
import type { Caller } from '../http/caller';
import type { AuditAction, AuditEntry, Changes } from './audit.schema';

const nextId = monotonicFactory();

export interface AuditInput {
  companyId: string;
  actor: Pick<Caller, 'sub' | 'email'>;
  action: AuditAction;
  changes: Changes;
  /** The version the change applied to and the one it made, for versioned records. */
  version?: { from: number; to: number };
  reason?: string | null;
  at: string;
}

/** The Put that appends one entry; it never overwrites (ids are unique, and the condition says so). */
export const appendAudit = (input: AuditInput): TxItem => {
  const entry: AuditEntry = {
    id: nextId(Date.parse(input.at)),
    companyId: input.companyId,
    at: input.at,
    actor: { sub: input.actor.sub, email: input.actor.email },
    action: input.action,
    reason: input.reason ?? null,
    changes: input.changes,
    version: input.version ?? null,
  };
  return {
    item: {
      Put: {
        TableName: tableName(),
        Item: { ...keys.audit(input.companyId, entry.id), type: 'AuditEntry', ...entry },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  };
};

/** Field-by-field `{ from, to }` of what differs between two records. */
export const diff = <T extends Record<string, unknown>>(before: Partial<T>, after: Partial<T>, fields: readonly (keyof T)[]): Changes => {
  const changes: Changes = {};
  for (const f of fields) {
    const from = before[f] ?? null;
    const to = after[f] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[String(f)] = { from, to };
  }
  return changes;
};

/**
 * The fields a request sent, as `{ to }` without `from`: a change written at a named version
 * (`If-Match`) without reading the record first knows what it set, not what was there; the
 * entry's `version` says which version it applied to, so the old values are the previous
 * entries' (or the creation's) for those fields.
 */
export const sentChanges = (sent: Record<string, unknown>): Changes =>
  Object.fromEntries(Object.entries(sent).filter(([, v]) => v !== undefined).map(([f, to]) => [f, { to: to ?? null }]));

// Entries written before `version` was recorded show `version: null`.
const toEntry = ({ pk: _pk, sk: _sk, type: _t, ...entry }: Record<string, unknown>) => ({ version: null, ...entry }) as AuditEntry;

/** Newest first; one Query. */
export const listAudit = async (companyId: string, limit: number, cursor?: string): Promise<Page<AuditEntry>> => {
  const page = await pagePartition(`audit:${companyId}`, keys.auditPartition(companyId), 'AUDIT#', limit, cursor);
  return { items: page.items.map(toEntry), nextCursor: page.nextCursor };
};
