/** Archive, restore, deletion preview and permanent delete: bodies and results. */
import * as z from 'zod';
import { id, multiline } from '../common/schemas';

export const archiveBody = z.strictObject({ reason: multiline(1000).min(1).optional() }).meta({ id: 'ArchiveCompany' });

export const BLOCKER_CODES = ['NOT_ARCHIVED', 'OUTSTANDING_INVOICES', 'COMPLIANCE_TENANT_ACTIVE'] as const;

export const deletionPreviewSchema = z
  .object({
    blockers: z.array(z.object({ code: z.enum(BLOCKER_CODES), message: z.string() })),
    unassign: z.record(z.string(), z.number().int()).meta({ description: 'Records kept with `companyId: null`, by kind' }),
    delete: z.record(z.string(), z.number().int()).meta({ description: 'Records deleted with the company, by kind (`slaPolicies`, …)' }),
  })
  .meta({ id: 'DeletionPreview' });
export type DeletionPreview = z.output<typeof deletionPreviewSchema>;

export const deleteCompanyBody = z.strictObject({ confirmName: z.string().min(1).max(200) }).meta({ id: 'DeleteCompany' });

export const deleteCompanyResult = z
  .object({ id, deleted: z.literal(true), unassignJob: z.object({ id, status: z.string() }) })
  .meta({ id: 'CompanyDeleted' });
