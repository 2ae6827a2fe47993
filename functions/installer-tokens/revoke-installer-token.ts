import { apiHandler } from '../../shared/http/api-handler';
import { installerTokenApi } from '../../shared/installer-tokens/installer-token.api';
import { revokeInstallerToken } from '../../shared/installer-tokens/installer-token.service';

export const handler = apiHandler(installerTokenApi['DELETE /v1/installer-tokens/{id}'], async ({ params }) => {
  await revokeInstallerToken(params.id);
  return { status: 204 };
});
