import { apiHandler } from '../../shared/http/api-handler';
import { settingsApi } from '../../shared/settings/settings.api';
import { putMspSettings } from '../../shared/settings/settings.service';

export const handler = apiHandler(settingsApi['PUT /v1/settings'], async (req) => {
  const settings = await putMspSettings(req.body, req.ifMatch);
  return { status: 200, body: settings, etag: settings.version };
});
