import { apiHandler } from '../../shared/http/api-handler';
import { addressApi } from '../../shared/addresses/address.api';
import { listAddresses } from '../../shared/addresses/address.service';

export const handler = apiHandler(addressApi['GET /v1/companies/{id}/addresses'], async ({ params }) => ({
  status: 200,
  body: { items: await listAddresses(params.id), nextCursor: null },
}));
