import { apiHandler } from '../../shared/http/api-handler';
import { portalApi } from '../../shared/portal/portal.api';
import { sendPasswordReset } from '../../shared/portal/portal.service';

export const handler = apiHandler(portalApi['POST /v1/contacts/{id}/password-reset'], async ({ params }) => {
  await sendPasswordReset(params.id);
  return { status: 202, body: { status: 'accepted' } };
});
