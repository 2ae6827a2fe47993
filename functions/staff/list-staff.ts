import { apiHandler } from '../../shared/http/api-handler';
import { staffApi } from '../../shared/staff/staff.api';
import { staffDirectory } from '../../shared/staff/staff-directory';

export const handler = apiHandler(staffApi['GET /v1/staff'], async () => ({ status: 200, body: { items: await staffDirectory() } }));
