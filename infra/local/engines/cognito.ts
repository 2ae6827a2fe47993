/**
 * cognito-local with the two pools (staff, portal), the staff groups and one seeded staff user
 * per group. State lives in `<dir>/.cognito`; with `fixedIds` the pools and clients are given
 * stable ids (created through the API once, then renamed in the state files) so a frontend's
 * configuration survives restarts. The portal pool's schema and its client's attribute
 * permissions come from `shared/portal/portal-pool.ts`, as the CDK stack's do.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  AddCustomAttributesCommand,
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  type SchemaAttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoAttributeNames, PORTAL_CLIENT_ATTRIBUTES, portalSchemaAttributes } from '../../../shared/portal/portal-pool';
import { STAFF_GROUPS, type StaffGroup } from '../../../shared/routes';
import { pickPort, startChild, waitUntil, LocalStackError, type Engine } from './util';

export interface PoolIds {
  userPoolId: string;
  clientId: string;
}

export interface SeededUser {
  email: string;
  password: string;
  groups: StaffGroup[];
}

export interface CognitoEngine extends Engine {
  staff: PoolIds;
  portal: PoolIds;
  users: SeededUser[];
}

/** The development password of every seeded staff user (local stack only). */
export const DEV_PASSWORD = 'Clientele-dev-2026!';
export const seededUsers = (): SeededUser[] =>
  STAFF_GROUPS.map((g) => ({ email: `${g.toLowerCase()}@clientele.local`, password: DEV_PASSWORD, groups: [g] }));

const FIXED: { staff: PoolIds; portal: PoolIds } = {
  staff: { userPoolId: 'local_Staff001', clientId: 'clientelestaffwebclient0001' },
  portal: { userPoolId: 'local_Portal01', clientId: 'clienteleportalwebclient001' },
};

const binPath = () => join(dirname(createRequire(import.meta.url).resolve('cognito-local/package.json')), 'lib', 'bin', 'start.js');

const run = async (stateDir: string, port: number) => {
  const child = startChild(process.execPath, [binPath()], {
    name: 'cognito',
    cwd: stateDir,
    env: { PORT: String(port), HOST: '127.0.0.1', CODE: '123456', NODE_NO_WARNINGS: '1' },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await waitUntil('cognito-local', async () => {
      if (child.process.exitCode !== null) throw new LocalStackError(`cognito-local exited: ${child.output().trim().split('\n').pop()}`);
      await client.send(new ListUserPoolsCommand({ MaxResults: 1 }));
      return true;
    });
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { child, endpoint, client };
};

/** The portal client's attribute permissions, as CreateUserPoolClient / UpdateUserPoolClient take them. */
const portalClientAttributes = () => ({ ReadAttributes: cognitoAttributeNames(PORTAL_CLIENT_ATTRIBUTES.read), WriteAttributes: cognitoAttributeNames(PORTAL_CLIENT_ATTRIBUTES.write) });

const createPools = async (client: CognitoIdentityProviderClient, users: SeededUser[]) => {
  const pool = async (name: string, schema?: SchemaAttributeType[], attributes?: { ReadAttributes: string[]; WriteAttributes: string[] }) => {
    const p = await client.send(new CreateUserPoolCommand({ PoolName: name, UsernameAttributes: ['email'], AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, Schema: schema }));
    const c = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: p.UserPool!.Id!,
        ClientName: `${name}-web`,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
        ...attributes,
      }),
    );
    return { userPoolId: p.UserPool!.Id!, clientId: c.UserPoolClient!.ClientId! };
  };
  const staff = await pool('clientele-staff');
  const portal = await pool('clientele-portal', portalSchemaAttributes(), portalClientAttributes());
  for (const g of STAFF_GROUPS) await client.send(new CreateGroupCommand({ UserPoolId: staff.userPoolId, GroupName: g }));
  for (const u of users) {
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: staff.userPoolId,
        Username: u.email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: u.email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    await client.send(new AdminSetUserPasswordCommand({ UserPoolId: staff.userPoolId, Username: u.email, Password: u.password, Permanent: true }));
    for (const g of u.groups) await client.send(new AdminAddUserToGroupCommand({ UserPoolId: staff.userPoolId, Username: u.email, GroupName: g }));
  }
  return { staff, portal };
};

/** Renames generated pool and client ids to the fixed ones, in cognito-local's state files. */
const fixIds = (db: string, generated: { staff: PoolIds; portal: PoolIds }) => {
  const clientsFile = join(db, 'clients.json');
  const clients = JSON.parse(readFileSync(clientsFile, 'utf8')) as { Clients: Record<string, Record<string, unknown>> };
  for (const kind of ['staff', 'portal'] as const) {
    const from = generated[kind];
    const to = FIXED[kind];
    const poolFile = join(db, `${from.userPoolId}.json`);
    const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as { Options: { Id: string } };
    pool.Options.Id = to.userPoolId;
    writeFileSync(poolFile, JSON.stringify(pool, null, 2));
    renameSync(poolFile, join(db, `${to.userPoolId}.json`));
    const client = clients.Clients[from.clientId]!;
    delete clients.Clients[from.clientId];
    clients.Clients[to.clientId] = { ...client, ClientId: to.clientId, UserPoolId: to.userPoolId };
  }
  writeFileSync(clientsFile, JSON.stringify(clients, null, 2));
  return FIXED;
};

/**
 * State from an older `npm start` has a portal pool without the schema (and a client without
 * attribute permissions): add what is missing in place, so the pools, their ids and their users
 * survive. cognito-local checks a custom attribute's mutability on every attribute update, so the
 * added one must carry the definition's, as a new pool's does.
 */
const upgradePortalPool = async (client: CognitoIdentityProviderClient, portal: PoolIds) => {
  const { UserPool } = await client.send(new DescribeUserPoolCommand({ UserPoolId: portal.userPoolId }));
  const present = new Set((UserPool?.SchemaAttributes ?? []).map((a) => a.Name));
  const missing = portalSchemaAttributes().filter((a) => !present.has(`custom:${a.Name}`));
  if (missing.length) await client.send(new AddCustomAttributesCommand({ UserPoolId: portal.userPoolId, CustomAttributes: missing }));
  const { UserPoolClient } = await client.send(new DescribeUserPoolClientCommand({ UserPoolId: portal.userPoolId, ClientId: portal.clientId }));
  const wanted = portalClientAttributes();
  const same = (a: string[] | undefined, b: string[]) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...b].sort());
  if (!same(UserPoolClient?.ReadAttributes, wanted.ReadAttributes) || !same(UserPoolClient?.WriteAttributes, wanted.WriteAttributes)) {
    await client.send(new UpdateUserPoolClientCommand({ UserPoolId: portal.userPoolId, ClientId: portal.clientId, ...wanted }));
  }
};

export const startCognito = async (opts: { port: number; stateDir: string; fixedIds: boolean; config?: Record<string, unknown> }): Promise<CognitoEngine> => {
  const port = await pickPort(opts.port, 'Cognito (cognito-local)');
  mkdirSync(join(opts.stateDir, '.cognito', 'db'), { recursive: true });
  if (opts.config) writeFileSync(join(opts.stateDir, '.cognito', 'config.json'), JSON.stringify(opts.config, null, 2));
  const users = seededUsers();
  const idsFile = join(opts.stateDir, 'pools.json');
  let ids: { staff: PoolIds; portal: PoolIds } | undefined = existsSync(idsFile) ? JSON.parse(readFileSync(idsFile, 'utf8')) : undefined;

  let started = await run(opts.stateDir, port);
  if (!ids) {
    ids = await createPools(started.client, users);
    if (opts.fixedIds) {
      await started.child.stop();
      ids = fixIds(join(opts.stateDir, '.cognito', 'db'), ids);
      started = await run(opts.stateDir, port);
    }
    writeFileSync(idsFile, JSON.stringify(ids, null, 2));
  } else {
    await upgradePortalPool(started.client, ids.portal);
  }
  started.client.destroy();
  return { endpoint: started.endpoint, stop: started.child.stop, staff: ids.staff, portal: ids.portal, users };
};
