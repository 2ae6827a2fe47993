import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { quickBooksApi } from '../../shared/quickbooks/quickbooks.api';
import { linkCompany } from '../../shared/quickbooks/quickbooks.service';

export const handler = apiHandler(quickBooksApi['POST /v1/companies/{id}/quickbooks/link'], async (req) => {
  const company = await linkCompany(staffCaller(req), req.params.id, req.body);
  return { status: 200, body: company, etag: company.version };
});
