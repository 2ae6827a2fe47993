/**
 * The local portal pool is made from the same definition as the CDK pool
 * (shared/portal/portal-pool.ts), and a state directory from an older `npm start` (a portal pool
 * without that schema) is brought up to it in place, keeping its ids and users.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  type DescribeUserPoolClientCommandOutput,
  type DescribeUserPoolCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, describe, expect, it } from 'vitest';
import { startCognito, type CognitoEngine } from '../../infra/local/engines/cognito';
import { cognitoAttributeNames, PORTAL_CLIENT_ATTRIBUTES } from '../../shared/portal/portal-pool';

const dir = mkdtempSync(join(tmpdir(), 'clientele-cognito-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const client = (engine: CognitoEngine) => new CognitoIdentityProviderClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

const describePortal = async (engine: CognitoEngine): Promise<[DescribeUserPoolCommandOutput, DescribeUserPoolClientCommandOutput]> => {
  const c = client(engine);
  try {
    return await Promise.all([
      c.send(new DescribeUserPoolCommand({ UserPoolId: engine.portal.userPoolId })),
      c.send(new DescribeUserPoolClientCommand({ UserPoolId: engine.portal.userPoolId, ClientId: engine.portal.clientId })),
    ]);
  } finally {
    c.destroy();
  }
};

const expectDefinition = ([pool, appClient]: [DescribeUserPoolCommandOutput, DescribeUserPoolClientCommandOutput]) => {
  expect(pool.UserPool?.SchemaAttributes?.find((a) => a.Name === 'custom:contactId')).toMatchObject({ Mutable: false, AttributeDataType: 'String' });
  expect([...(appClient.UserPoolClient?.WriteAttributes ?? [])].sort()).toEqual(cognitoAttributeNames(PORTAL_CLIENT_ATTRIBUTES.write).sort());
  expect([...(appClient.UserPoolClient?.ReadAttributes ?? [])].sort()).toEqual(cognitoAttributeNames(PORTAL_CLIENT_ATTRIBUTES.read).sort());
};

describe('local portal pool', () => {
  it('is created with the shared schema and client attributes, and an older state without them is upgraded in place', async () => {
    const first = await startCognito({ port: 0, stateDir: dir, fixedIds: false });
    let userSub: string;
    try {
      expectDefinition(await describePortal(first));
      const c = client(first);
      const created = await c.send(
        new AdminCreateUserCommand({ UserPoolId: first.portal.userPoolId, Username: 'old.user@example.com', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'old.user@example.com' }] }),
      );
      userSub = created.User!.Attributes!.find((a) => a.Name === 'sub')!.Value!;
      c.destroy();
    } finally {
      await first.stop();
    }

    // Make the state what an older `npm start` left: no custom attribute, a client with no attribute permissions.
    const db = join(dir, '.cognito', 'db');
    const poolFile = join(db, `${first.portal.userPoolId}.json`);
    const pool = JSON.parse(readFileSync(poolFile, 'utf8'));
    pool.Options.SchemaAttributes = pool.Options.SchemaAttributes.filter((a: { Name: string }) => !a.Name.startsWith('custom:'));
    writeFileSync(poolFile, JSON.stringify(pool));
    const clients = JSON.parse(readFileSync(join(db, 'clients.json'), 'utf8'));
    delete clients.Clients[first.portal.clientId].ReadAttributes;
    delete clients.Clients[first.portal.clientId].WriteAttributes;
    writeFileSync(join(db, 'clients.json'), JSON.stringify(clients));
    const again = await startCognito({ port: 0, stateDir: dir, fixedIds: false });
    try {
      expect(again.portal).toEqual(first.portal);
      expectDefinition(await describePortal(again));
      const c = client(again);
      const user = await c.send(new AdminGetUserCommand({ UserPoolId: again.portal.userPoolId, Username: 'old.user@example.com' }));
      expect(user.UserAttributes?.find((a) => a.Name === 'sub')?.Value).toBe(userSub!);
      c.destroy();
    } finally {
      await again.stop();
    }
  });
});
