/** Archive, restore, deletion preview, permanent delete and the job that follows it. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { jobSchema } from '../jobs/job.schema';
import { archiveBody, deleteCompanyBody, deleteCompanyResult, deletionPreviewSchema } from './company-lifecycle.schema';
import { companySchema } from './company.schema';

export const companyLifecycleApi = {
  'POST /v1/companies/{id}/archive': {
    params: idParams,
    body: archiveBody.optional(),
    responses: { 200: { description: 'The company, archived (already archived: unchanged, no new audit entry)', schema: companySchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'POST /v1/companies/{id}/restore': {
    params: idParams,
    responses: { 200: { description: 'The company, active again with every record as it was', schema: companySchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'GET /v1/companies/{id}/deletion-preview': {
    params: idParams,
    responses: { 200: { description: 'Blockers, and how many records of each kind a delete would unassign and delete', schema: deletionPreviewSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'DELETE /v1/companies/{id}': {
    params: idParams,
    body: deleteCompanyBody,
    responses: { 202: { description: 'Deleted; a job unassigns its records (see `GET /v1/jobs/{id}`)', schema: deleteCompanyResult } },
    errors: { 400: ['CONFIRM_NAME_MISMATCH'], 404: ['NOT_FOUND'], 409: ['NOT_ARCHIVED', 'OUTSTANDING_INVOICES', 'COMPLIANCE_TENANT_ACTIVE'] },
  },
  'GET /v1/jobs/{id}': {
    params: idParams,
    responses: { 200: { description: 'The job and its progress by kind', schema: jobSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
