/** Test-only shortcuts to states the API reaches another way, written straight to the table. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';

/** Sets a company's status (and its listing partition) directly, as an archive or restore would. */
export const setCompanyStatus = (id: string, status: 'active' | 'archived') =>
  db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.company(id),
      UpdateExpression: 'SET #s = :s, gsi1pk = :pk',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':pk': keys.companyListBucket(status, id) },
    }),
  );

export const archiveDirectly = (id: string) => setCompanyStatus(id, 'archived');
