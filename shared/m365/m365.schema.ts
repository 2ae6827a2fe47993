/** Microsoft 365: routes' shapes, the sync job, the queue message, and the Graph objects read. */
import * as z from 'zod';
import { id, isoTime } from '../common/schemas';

export const consentQuery = z.object({ companyId: id });
export const callbackQuery = z.object({
  tenant: z.string().optional(),
  admin_consent: z.string().optional(),
  state: z.string().max(2048).optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});
export const urlResult = z.object({ url: z.url() }).meta({ id: 'RedirectUrl' });
export const linkedResult = z.object({ companyId: id, tenantId: z.string(), jobId: id }).meta({ id: 'M365Linked' });

export const tenantSchema = z.object({ tenantId: z.string(), displayName: z.string(), defaultDomainName: z.string(), companyId: id.nullable() }).meta({ id: 'M365Tenant' });
export const tenantListSchema = z.object({ items: z.array(tenantSchema) }).meta({ id: 'M365TenantList' });
export const importTenantsBody = z.strictObject({ tenantIds: z.array(z.string().uuid()).min(1).max(100) }).meta({ id: 'ImportM365Tenants' });
export const importTenantsResult = z
  .object({ items: z.array(z.object({ tenantId: z.string(), companyId: id.nullable(), jobId: id.nullable(), error: z.string().nullable() })) })
  .meta({ id: 'M365TenantImport' });
export const syncAccepted = z.object({ jobId: id }).meta({ id: 'SyncAccepted' });

const userCounts = z.object({ seen: z.number().int(), created: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), deactivated: z.number().int() });
const deviceCounts = z.object({ seen: z.number().int(), created: z.number().int(), updated: z.number().int(), unchanged: z.number().int() });

export const syncJobSchema = z
  .object({
    id,
    companyId: id,
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    users: userCounts,
    devices: deviceCounts,
    /** The first 100 errors; `errorCount` counts them all. */
    errors: z.array(z.object({ externalId: z.string().nullable(), message: z.string() })),
    errorCount: z.number().int(),
    startedAt: isoTime.nullable(),
    completedAt: isoTime.nullable(),
  })
  .meta({ id: 'SyncJob' });
export type SyncJob = z.output<typeof syncJobSchema>;

export const m365SyncMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sync'), jobId: id }),
  z.strictObject({ type: z.literal('sync-all-linked') }),
]);

export interface GraphUser {
  id: string;
  displayName?: string | null;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
  jobTitle?: string | null;
  mobilePhone?: string | null;
  businessPhones?: string[] | null;
  accountEnabled?: boolean | null;
  '@removed'?: { reason: string };
}

export interface GraphDevice {
  id: string;
  displayName?: string | null;
  operatingSystem?: string | null;
  operatingSystemVersion?: string | null;
  '@removed'?: { reason: string };
}

export const USER_SELECT = ['id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'jobTitle', 'mobilePhone', 'businessPhones', 'accountEnabled'];
export const DEVICE_SELECT = ['id', 'displayName', 'operatingSystem', 'operatingSystemVersion'];
