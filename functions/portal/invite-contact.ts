import { apiHandler } from '../../shared/http/api-handler';
import { portalApi } from '../../shared/portal/portal.api';
import { inviteContact } from '../../shared/portal/portal.service';

export const handler = apiHandler(portalApi['POST /v1/contacts/{id}/invite'], async ({ params }) => {
  const contact = await inviteContact(params.id);
  return { status: 202, body: contact, etag: contact.version };
});
