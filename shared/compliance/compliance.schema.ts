/** A company's compliance organization: the minimal promotion the permanent-delete gate needs. */
import * as z from 'zod';
import { id, isoTime } from '../common/schemas';

export const complianceOrganizationSchema = z
  .object({ companyId: id, status: z.enum(['active', 'archived']), promotedAt: isoTime, archivedAt: isoTime.nullable() })
  .meta({ id: 'ComplianceOrganization' });
export type ComplianceOrganization = z.output<typeof complianceOrganizationSchema>;
