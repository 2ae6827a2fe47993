import { contactApi } from '../../shared/contacts/contact.api';
import { contactLocation, createContact } from '../../shared/contacts/contact.service';
import { apiHandler } from '../../shared/http/api-handler';
import { inviteContact } from '../../shared/portal/portal.service';

export const handler = apiHandler(contactApi['POST /v1/contacts'], async (req) => {
  const { sendInvite, ...input } = req.body;
  let contact = await createContact(input, req.idempotency);
  if (sendInvite) contact = await inviteContact(contact.id);
  return { status: 201, body: contact, etag: contact.version, location: contactLocation(contact.id) };
});
