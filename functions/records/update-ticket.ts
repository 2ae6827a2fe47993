import { ticketRoutes } from '../../shared/records/record.api';
import { updateRecordHandler } from '../../shared/records/record.handlers';
import { recordKinds } from '../../shared/records/record.schema';

export const handler = updateRecordHandler(recordKinds.ticket, ticketRoutes);
