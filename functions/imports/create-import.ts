import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { importApi } from '../../shared/imports/import.api';
import { createImport } from '../../shared/imports/import.service';

export const handler = apiHandler(importApi['POST /v1/imports'], async (req) => {
  const body = Buffer.from(req.event.body ?? '', req.event.isBase64Encoded ? 'base64' : 'utf8');
  const accepted = await createImport(staffCaller(req), req.query.type, body);
  return { status: 202, body: accepted, location: `/v1/imports/${accepted.id}` };
});
