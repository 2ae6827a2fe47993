/** The four routes of each related-record kind, from its declaration. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { recordKinds, recordSchemas, type RecordKind } from './record.schema';

const routesOf = <K extends RecordKind>(k: K) => {
  const s = recordSchemas(k);
  const refs = k.linksContact ? ['UNKNOWN_COMPANY', 'UNKNOWN_CONTACT'] : ['UNKNOWN_COMPANY'];
  const conflicts = [...(k.linksContact ? ['COMPANY_ARCHIVED', 'CONTACT_NOT_IN_COMPANY'] : ['COMPANY_ARCHIVED']), ...(k.conflicts ?? [])];
  return {
    create: { body: s.createBody, responses: { 201: { description: `The ${k.name}; \`Location\` names it`, schema: k.schema } }, errors: { 400: refs, 409: conflicts, 422: ['IDEMPOTENCY_KEY_REUSED'] } },
    list: { query: s.listQuery, responses: { 200: { description: `${k.plural} newest first`, schema: s.page } }, errors: { 400: ['INVALID_CURSOR'] } },
    get: { params: idParams, responses: { 200: { description: `The ${k.name}; \`ETag\` carries its version`, schema: k.schema } }, errors: { 404: ['NOT_FOUND'] } },
    update: { params: idParams, body: s.updateBody, responses: { 200: { description: `The updated ${k.name}`, schema: k.schema } }, errors: { 400: [...refs, 'INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: [...conflicts, 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] } },
  } satisfies Record<string, RequestSpec>;
};

export const ticketRoutes = routesOf(recordKinds.ticket);
export const assetRoutes = routesOf(recordKinds.asset);
export const invoiceRoutes = routesOf(recordKinds.invoice);

const byRouteKey = (plural: string, r: ReturnType<typeof routesOf>) => ({
  [`POST /v1/${plural}`]: r.create,
  [`GET /v1/${plural}`]: r.list,
  [`GET /v1/${plural}/{id}`]: r.get,
  [`PATCH /v1/${plural}/{id}`]: r.update,
});

export const recordApi: Record<string, RequestSpec> = {
  ...byRouteKey('tickets', ticketRoutes),
  ...byRouteKey('assets', assetRoutes),
  ...byRouteKey('invoices', invoiceRoutes),
};
