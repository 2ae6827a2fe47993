import { apiHandler } from '../../shared/http/api-handler';
import { NotFoundError } from '../../shared/http/errors';
import { auditApi } from '../../shared/audit/audit.api';
import { listAudit } from '../../shared/audit/audit.repository';

// One Query, no company read: every company's creation wrote its first entry in the same
// transaction, so a first page with no entry means there never was such a company.
export const handler = apiHandler(auditApi['GET /v1/companies/{id}/audit'], async ({ params, query }) => {
  const page = await listAudit(params.id, query.limit, query.cursor);
  if (page.items.length === 0 && !query.cursor) throw new NotFoundError('company');
  return { status: 200, body: page };
});
