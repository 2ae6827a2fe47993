import { ticketRoutes } from '../../shared/records/record.api';
import { listRecordsHandler } from '../../shared/records/record.handlers';
import { recordKinds } from '../../shared/records/record.schema';

export const handler = listRecordsHandler(recordKinds.ticket, ticketRoutes);
