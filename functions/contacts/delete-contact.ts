import { contactApi } from '../../shared/contacts/contact.api';
import { deleteContact } from '../../shared/contacts/contact.service';
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';

export const handler = apiHandler(contactApi['DELETE /v1/contacts/{id}'], async (req) => {
  await deleteContact(staffCaller(req), req.params.id, req.ifMatch);
  return { status: 204 };
});
