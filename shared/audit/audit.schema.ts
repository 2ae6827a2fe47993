/** Audit entries: who did what to a company, when, and the old and new values. */
import * as z from 'zod';
import { id, isoTime, pageOf, pageQuery } from '../common/schemas';

export const AUDIT_ACTIONS = [
  'company.created', 'company.updated', 'company.archived', 'company.restored', 'company.deleted', 'company.integration_linked', 'company.compliance_promoted', 'company.compliance_archived', 'company.settings_updated',
  'contract.created',
  'contract.updated',
  'contract.deleted',
  'contract.activated',
  'contract.cancelled',
  'contract.renewed',
  'contract.expired',
  'invoice.sent',
  'invoice.payment_recorded',
  'invoice.voided',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const auditEntrySchema = z
  .object({
    id,
    companyId: id,
    at: isoTime,
    actor: z.object({ sub: z.string(), email: z.string().nullable() }),
    action: z.enum(AUDIT_ACTIONS),
    reason: z.string().nullable(),
    /** `from` is absent when the change was written at a named version without reading the record (`If-Match`): see `version`. */
    changes: z.record(z.string(), z.object({ from: z.unknown().optional(), to: z.unknown() })),
    /** The version of the record the change applied to and the one it made (null on entries of unversioned changes and older entries). */
    version: z.object({ from: z.number().int(), to: z.number().int() }).nullable(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.output<typeof auditEntrySchema>;
export type Changes = AuditEntry['changes'];

export const auditPageSchema = pageOf(auditEntrySchema, 'AuditPage');
export const auditListQuery = z.object({ ...pageQuery });
export const auditByCompanyQuery = z.object({ companyId: id, ...pageQuery });
