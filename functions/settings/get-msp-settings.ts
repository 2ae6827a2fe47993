import { apiHandler } from '../../shared/http/api-handler';
import { settingsApi } from '../../shared/settings/settings.api';
import { getMspSettings } from '../../shared/settings/msp-settings';

export const handler = apiHandler(settingsApi['GET /v1/settings'], async () => {
  const settings = await getMspSettings();
  return { status: 200, body: settings, etag: settings.version };
});
