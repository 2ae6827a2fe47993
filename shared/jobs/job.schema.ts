/** Background jobs (permanent-delete cleanup now; imports later) and their progress. */
import * as z from 'zod';
import { id, isoTime } from '../common/schemas';

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;

export const jobSchema = z
  .object({
    id,
    type: z.enum(['company-cleanup']),
    status: z.enum(JOB_STATUSES),
    companyId: id.nullable(),
    /** Per kind: how many there were when the job was queued, how many are done, whether the kind is finished. */
    progress: z.record(z.string(), z.object({ total: z.number().int(), done: z.number().int(), complete: z.boolean() })),
    /** Why a failed job failed (API.md: a job that fails carries `{ code, message }`). */
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Job' });
export type Job = z.output<typeof jobSchema>;
