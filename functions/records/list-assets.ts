import { assetRoutes } from '../../shared/records/record.api';
import { listRecordsHandler } from '../../shared/records/record.handlers';
import { recordKinds } from '../../shared/records/record.schema';

export const handler = listRecordsHandler(recordKinds.asset, assetRoutes);
