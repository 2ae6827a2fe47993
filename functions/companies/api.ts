/** The companies area's function. Companies: their lifecycle, addresses, client settings, compliance organization, audit, the staff directory, jobs and Microsoft 365 sync requests: the routes with `area: 'companies'` in shared/routes.ts. */
import { areaDispatcher } from '../dispatch';

export const handler = areaDispatcher('companies', {
  'functions/companies/create-company.ts': () => import('./create-company'),
  'functions/companies/list-companies.ts': () => import('./list-companies'),
  'functions/companies/get-company.ts': () => import('./get-company'),
  'functions/companies/update-company.ts': () => import('./update-company'),
  'functions/staff/list-staff.ts': () => import('../staff/list-staff'),
  'functions/audit/list-company-audit.ts': () => import('../audit/list-company-audit'),
  'functions/audit/list-audit.ts': () => import('../audit/list-audit'),
  'functions/companies/set-primary-contact.ts': () => import('./set-primary-contact'),
  'functions/companies/archive-company.ts': () => import('./archive-company'),
  'functions/companies/restore-company.ts': () => import('./restore-company'),
  'functions/companies/get-deletion-preview.ts': () => import('./get-deletion-preview'),
  'functions/companies/delete-company.ts': () => import('./delete-company'),
  'functions/jobs/get-job.ts': () => import('../jobs/get-job'),
  'functions/compliance/get-compliance-organization.ts': () => import('../compliance/get-compliance-organization'),
  'functions/compliance/promote-company.ts': () => import('../compliance/promote-company'),
  'functions/compliance/archive-compliance-organization.ts': () => import('../compliance/archive-compliance-organization'),
  'functions/m365/request-sync.ts': () => import('../m365/request-sync'),
  'functions/m365/get-sync-job.ts': () => import('../m365/get-sync-job'),
  'functions/addresses/list-addresses.ts': () => import('../addresses/list-addresses'),
  'functions/addresses/create-address.ts': () => import('../addresses/create-address'),
  'functions/addresses/update-address.ts': () => import('../addresses/update-address'),
  'functions/addresses/delete-address.ts': () => import('../addresses/delete-address'),
  'functions/settings/get-company-settings.ts': () => import('../settings/get-company-settings'),
  'functions/settings/put-company-settings.ts': () => import('../settings/put-company-settings'),
});
