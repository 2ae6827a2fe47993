import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { addressApi } from '../../shared/addresses/address.api';
import { deleteAddress } from '../../shared/addresses/address.service';

export const handler = apiHandler(addressApi['DELETE /v1/companies/{id}/addresses/{addressId}'], async (req) => {
  staffCaller(req);
  await deleteAddress(req.params.id, req.params.addressId, req.ifMatch);
  return { status: 204 };
});
