/**
 * A real cognito-local for integration tests: the staff and portal pools, the staff groups and
 * one seeded user per group (infra/local/engines/cognito.ts), state in a temporary directory,
 * and this process's environment (pool ids, the SDK's Cognito endpoint) pointed at it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  CognitoIdentityProviderClient,
  type AttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import { startCognito, type CognitoEngine } from '../../infra/local/engines/cognito';
import { ENV, resetEnvCache } from '../../shared/env';
import { resetPortalUsersClient } from '../../shared/portal/portal-users';
import { resetStaffDirectory } from '../../shared/staff/staff-directory';
import type { StaffGroup } from '../../shared/routes';

export interface StaffUser {
  username: string;
  sub: string;
  email: string;
}

export interface TestCognito {
  engine: CognitoEngine;
  /** A new staff-pool user in `groups` (none: in no group), with extra attributes such as `name`. */
  addStaffUser: (groups: StaffGroup[], attributes?: Record<string, string>) => Promise<StaffUser>;
  disableStaffUser: (username: string) => Promise<void>;
  stop: () => Promise<void>;
}

export const startTestCognito = async (): Promise<TestCognito> => {
  const dir = mkdtempSync(join(tmpdir(), 'clientele-cognito-'));
  const engine = await startCognito({ port: 0, stateDir: dir, fixedIds: false });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: engine.endpoint,
    [ENV.STAFF_USER_POOL_ID]: engine.staff.userPoolId,
    [ENV.PORTAL_USER_POOL_ID]: engine.portal.userPoolId,
    [ENV.PORTAL_CLIENT_ID]: engine.portal.clientId,
  });
  resetEnvCache();
  resetStaffDirectory();
  resetPortalUsersClient();
  const client = new CognitoIdentityProviderClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const UserPoolId = engine.staff.userPoolId;
  return {
    engine,
    addStaffUser: async (groups, attributes = {}) => {
      const email = `staff.${randomUUID()}@msp.example`;
      const UserAttributes: AttributeType[] = [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
        ...Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
      ];
      const out = await client.send(new AdminCreateUserCommand({ UserPoolId, Username: email, MessageAction: 'SUPPRESS', UserAttributes }));
      const username = out.User!.Username!;
      for (const GroupName of groups) await client.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: username, GroupName }));
      return { username, email, sub: out.User!.Attributes!.find((a) => a.Name === 'sub')!.Value! };
    },
    disableStaffUser: async (username) => {
      await client.send(new AdminDisableUserCommand({ UserPoolId, Username: username }));
    },
    stop: async () => {
      client.destroy();
      resetStaffDirectory();
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
