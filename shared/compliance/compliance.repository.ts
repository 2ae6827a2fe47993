/** The compliance organization item, in its company's partition. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { ConflictError, StaleReadError } from '../http/errors';
import type { ComplianceOrganization } from './compliance.schema';

const strip = ({ pk: _p, sk: _s, type: _t, ...rest }: Record<string, unknown>) => rest as ComplianceOrganization;

export const getComplianceOrganization = async (companyId: string): Promise<ComplianceOrganization | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.complianceOrganization(companyId), ConsistentRead: true }));
  return out.Item ? strip(out.Item) : undefined;
};

/** Creates (or re-activates) the organization, if it is not active already. */
export const putComplianceOrganization = (org: ComplianceOrganization): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.complianceOrganization(org.companyId), type: 'ComplianceOrganization', ...org },
      ConditionExpression: 'attribute_not_exists(pk) OR #status = :archived',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':archived': 'archived' },
    },
  },
  onConditionFailed: () => new StaleReadError(),
});

export const archiveComplianceOrganizationItem = (companyId: string, now: string): TxItem => ({
  item: {
    Update: updateItem(
      keys.complianceOrganization(companyId),
      { set: { status: 'archived', archivedAt: now } },
      { expression: 'attribute_exists(pk) AND #status = :active', names: { '#status': 'status' }, values: { ':active': 'active' } },
    ),
  },
  onConditionFailed: () => new StaleReadError(),
});

/** The permanent-delete gate: no organization, or an archived one. */
export const complianceOrganizationArchived = (companyId: string): TxItem => ({
  item: {
    ConditionCheck: {
      TableName: tableName(),
      Key: keys.complianceOrganization(companyId),
      ConditionExpression: 'attribute_not_exists(pk) OR #status = :archived',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':archived': 'archived' },
    },
  },
  onConditionFailed: () => new ConflictError('COMPLIANCE_TENANT_ACTIVE', "The company's compliance organization is active; archive it first."),
});
