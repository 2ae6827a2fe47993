import { contactApi } from '../../shared/contacts/contact.api';
import { updateContact } from '../../shared/contacts/contact.service';
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';

export const handler = apiHandler(contactApi['PATCH /v1/contacts/{id}'], async (req) => {
  const contact = await updateContact(staffCaller(req), req.params.id, req.body, req.ifMatch);
  return { status: 200, body: contact, etag: contact.version };
});
