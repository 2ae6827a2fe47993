import { apiHandler } from '../../shared/http/api-handler';
import { settingsApi } from '../../shared/settings/settings.api';
import { findClientSettings } from '../../shared/settings/settings.service';

export const handler = apiHandler(settingsApi['GET /v1/companies/{id}/settings'], async ({ params }) => {
  const settings = await findClientSettings(params.id);
  return { status: 200, body: settings, etag: settings.version };
});
