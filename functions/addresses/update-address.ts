import { answerOf, apiHandler, changeAnswer } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { addressApi } from '../../shared/addresses/address.api';
import { updateAddress } from '../../shared/addresses/address.service';

export const handler = apiHandler(addressApi['PATCH /v1/companies/{id}/addresses/{addressId}'], async (req) => {
  staffCaller(req);
  return changeAnswer(req, await updateAddress(req.params.id, req.params.addressId, req.body, req.ifMatch, answerOf(req)));
});
