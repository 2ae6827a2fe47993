/** The public device registration: a function of its own (public routes are), throttled as a public route. */
import { apiHandler } from '../../shared/http/api-handler';
import { installerTokenApi } from '../../shared/installer-tokens/installer-token.api';
import { registerDevice } from '../../shared/installer-tokens/installer-token.service';

export const handler = apiHandler(installerTokenApi['POST /v1/public/devices/register'], async ({ headers, body }) => {
  const { created, assetId } = await registerDevice(headers.authorization, body);
  return { status: created ? 201 : 200, body: { assetId } };
});
