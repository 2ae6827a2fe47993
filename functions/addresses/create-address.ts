import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { addressApi } from '../../shared/addresses/address.api';
import { addressLocation, createAddress } from '../../shared/addresses/address.service';

export const handler = apiHandler(addressApi['POST /v1/companies/{id}/addresses'], async (req) => {
  staffCaller(req);
  const address = await createAddress(req.params.id, req.body, req.idempotency);
  return { status: 201, body: address, etag: address.version, location: addressLocation(req.params.id, address.id) };
});
