import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { settingsApi } from '../../shared/settings/settings.api';
import { putClientSettings } from '../../shared/settings/settings.service';

export const handler = apiHandler(settingsApi['PUT /v1/companies/{id}/settings'], async (req) => {
  const settings = await putClientSettings(staffCaller(req), req.params.id, req.body, req.ifMatch);
  return { status: 200, body: settings, etag: settings.version };
});
