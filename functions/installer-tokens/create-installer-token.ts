import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { installerTokenApi } from '../../shared/installer-tokens/installer-token.api';
import { createInstallerToken } from '../../shared/installer-tokens/installer-token.service';

export const handler = apiHandler(installerTokenApi['POST /v1/companies/{id}/installer-tokens'], async (req) => {
  const token = await createInstallerToken(req.params.id, req.body, staffCaller(req).sub, req.idempotency);
  return { status: 201, body: token, location: `/v1/installer-tokens/${token.id}` };
});
