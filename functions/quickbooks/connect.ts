import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { quickBooksApi } from '../../shared/quickbooks/quickbooks.api';
import { connectUrl } from '../../shared/quickbooks/quickbooks.connect-url';

export const handler = apiHandler(quickBooksApi['GET /v1/integrations/quickbooks/connect'], async (req) => {
  return { status: 200, body: { url: await connectUrl(staffCaller(req)) } };
});
