import { apiHandler } from '../../shared/http/api-handler';
import { quickBooksApi } from '../../shared/quickbooks/quickbooks.api';
import { completeConnect } from '../../shared/quickbooks/quickbooks.service';

// Public: Intuit redirects the admin's browser here; the signed state is the guard.
export const handler = apiHandler(quickBooksApi['GET /v1/public/quickbooks/callback'], async (req) => {
  const { realmId } = await completeConnect(req.query);
  return { status: 200, body: { connected: true, realmId } };
});
