import { contactApi } from '../../shared/contacts/contact.api';
import { searchContacts } from '../../shared/contacts/contact.service';
import { apiHandler } from '../../shared/http/api-handler';

export const handler = apiHandler(contactApi['GET /v1/companies/{id}/contacts'], async ({ params, query }) => ({
  status: 200,
  body: await searchContacts({ by: 'company', companyId: params.id }, { status: query.status, q: query.q }, query.limit, query.cursor),
}));
