/**
 * cognito-local with the two pools (staff, portal), the staff groups and one seeded staff user
 * per group. State lives in `<dir>/.cognito`; with `fixedIds` the pools and clients are given
 * stable ids (created through the API once, then renamed in the state files) so a frontend's
 * configuration survives restarts.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
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

const createPools = async (client: CognitoIdentityProviderClient, users: SeededUser[]) => {
  const pool = async (name: string) => {
    const p = await client.send(new CreateUserPoolCommand({ PoolName: name, UsernameAttributes: ['email'], AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } }));
    const c = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: p.UserPool!.Id!,
        ClientName: `${name}-web`,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
      }),
    );
    return { userPoolId: p.UserPool!.Id!, clientId: c.UserPoolClient!.ClientId! };
  };
  const staff = await pool('clientele-staff');
  const portal = await pool('clientele-portal');
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
  }
  started.client.destroy();
  return { endpoint: started.endpoint, stop: started.child.stop, staff: ids.staff, portal: ids.portal, users };
};
