import { answerOf, apiHandler, changeAnswer } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { companyApi } from '../../shared/companies/company.api';
import { updateCompany } from '../../shared/companies/company.service';

export const handler = apiHandler(companyApi['PATCH /v1/companies/{id}'], async (req) => {
  return changeAnswer(req, await updateCompany(staffCaller(req), req.params.id, req.body, req.ifMatch, answerOf(req)));
});
