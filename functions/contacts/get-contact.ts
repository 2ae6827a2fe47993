import { contactApi } from '../../shared/contacts/contact.api';
import { toContact } from '../../shared/contacts/contact.repository';
import { findContact } from '../../shared/contacts/contact.service';
import { apiHandler } from '../../shared/http/api-handler';

export const handler = apiHandler(contactApi['GET /v1/contacts/{id}'], async ({ params }) => {
  const contact = toContact(await findContact(params.id));
  return { status: 200, body: contact, etag: contact.version };
});
