import { answerOf, apiHandler, changeAnswer } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { companyApi } from '../../shared/companies/company.api';
import { setPrimaryContact } from '../../shared/companies/company.service';

export const handler = apiHandler(companyApi['PUT /v1/companies/{id}/primary-contact'], async (req) => {
  return changeAnswer(req, await setPrimaryContact(staffCaller(req), req.params.id, req.body.contactId, req.ifMatch, answerOf(req)));
});
