import { contactApi } from '../../shared/contacts/contact.api';
import { contactLocation } from '../../shared/contacts/contact.service';
import { upsertExternalContact } from '../../shared/crm/crm-contact.service';
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';

export const handler = apiHandler(contactApi['PUT /v1/external/{system}/contacts/{externalId}'], async (req) => {
  const { created, record } = await upsertExternalContact(staffCaller(req), req.params.system, req.params.externalId, req.body);
  return { status: created ? 201 : 200, body: record, etag: record.version, ...(created ? { location: contactLocation(record.id) } : {}) };
});
