import { ticketRoutes } from '../../shared/records/record.api';
import { getRecordHandler } from '../../shared/records/record.handlers';
import { recordKinds } from '../../shared/records/record.schema';

export const handler = getRecordHandler(recordKinds.ticket, ticketRoutes);
