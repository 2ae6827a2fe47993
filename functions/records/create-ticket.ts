import { ticketRoutes } from '../../shared/records/record.api';
import { createRecordHandler } from '../../shared/records/record.handlers';
import { recordKinds } from '../../shared/records/record.schema';

export const handler = createRecordHandler(recordKinds.ticket, ticketRoutes);
