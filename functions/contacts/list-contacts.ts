import { contactApi } from '../../shared/contacts/contact.api';
import { searchContacts } from '../../shared/contacts/contact.service';
import { apiHandler } from '../../shared/http/api-handler';

export const handler = apiHandler(contactApi['GET /v1/contacts'], async ({ query }) => {
  const listing = query.companyId ? { by: 'company' as const, companyId: query.companyId } : query.unassigned ? { by: 'unassigned' as const } : { by: 'all' as const };
  return { status: 200, body: await searchContacts(listing, { status: query.status, q: query.q }, query.limit, query.cursor) };
});
