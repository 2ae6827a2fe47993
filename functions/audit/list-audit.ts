import { apiHandler } from '../../shared/http/api-handler';
import { auditApi } from '../../shared/audit/audit.api';
import { listAudit } from '../../shared/audit/audit.repository';

export const handler = apiHandler(auditApi['GET /v1/audit'], async ({ query }) => ({
  status: 200,
  body: await listAudit(query.companyId, query.limit, query.cursor),
}));
