/** The four handlers of a record kind; each `functions/records/<verb>-<kind>.ts` exports one of them. */
import { apiHandler } from '../http/api-handler';
import type * as z from 'zod';
import type { RequestSpec } from '../http/request';
import type { RecordKind } from './record.schema';
import { createRecord, findRecord, recordLocation, searchRecords, updateRecord } from './record.service';

interface KindRoutes {
  create: RequestSpec & { body: z.ZodType };
  list: RequestSpec & { query: z.ZodType };
  get: RequestSpec & { params: z.ZodType };
  update: RequestSpec & { params: z.ZodType; body: z.ZodType };
}

type Body = Record<string, unknown>;
const version = (r: Body) => r.version as number;

export const createRecordHandler = (kind: RecordKind, routes: KindRoutes) =>
  apiHandler(routes.create, async (req) => {
    const record = await createRecord(kind, req.body as unknown as Body, req.idempotency);
    return { status: 201, body: record, etag: version(record), location: recordLocation(kind, record.id as string) };
  });

export const listRecordsHandler = (kind: RecordKind, routes: KindRoutes) =>
  apiHandler(routes.list, async (req) => ({ status: 200, body: await searchRecords(kind, req.query as never) }));

export const getRecordHandler = (kind: RecordKind, routes: KindRoutes) =>
  apiHandler(routes.get, async (req) => {
    const record = await findRecord(kind, (req.params as unknown as { id: string }).id);
    return { status: 200, body: record, etag: version(record) };
  });

export const updateRecordHandler = (kind: RecordKind, routes: KindRoutes) =>
  apiHandler(routes.update, async (req) => {
    const record = await updateRecord(kind, (req.params as unknown as { id: string }).id, req.body as unknown as Body, req.ifMatch);
    return { status: 200, body: record, etag: version(record) };
  });
