import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { companyApi } from '../../shared/companies/company.api';
import { companyLocation } from '../../shared/companies/company.service';
import { upsertExternalCompany } from '../../shared/crm/crm-company.service';

export const handler = apiHandler(companyApi['PUT /v1/external/{system}/companies/{externalId}'], async (req) => {
  const { created, record } = await upsertExternalCompany(staffCaller(req), req.params.system, req.params.externalId, req.body);
  return { status: created ? 201 : 200, body: record, etag: record.version, ...(created ? { location: companyLocation(record.id) } : {}) };
});
