import { apiHandler } from '../../shared/http/api-handler';
import { portalApi } from '../../shared/portal/portal.api';
import { requestPasswordReset } from '../../shared/portal/portal.service';

export const handler = apiHandler(portalApi['POST /v1/public/portal/password-reset'], async ({ body }) => {
  await requestPasswordReset(body.email);
  return { status: 202, body: { status: 'accepted' } };
});
