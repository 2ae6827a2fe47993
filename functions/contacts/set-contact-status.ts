/** `POST /v1/contacts/{id}/deactivate` and `…/activate`: one function, the route says which. */
import { contactApi } from '../../shared/contacts/contact.api';
import { setContactStatus } from '../../shared/contacts/contact.service';
import { apiHandler } from '../../shared/http/api-handler';

export const handler = apiHandler(contactApi['POST /v1/contacts/{id}/deactivate'], async (req) => {
  const status = req.route.path.endsWith('/deactivate') ? 'inactive' : 'active';
  const contact = await setContactStatus(req.params.id, status);
  return { status: 200, body: contact, etag: contact.version };
});
