/**
 * What cognito-local cannot show (it answers every list in one page, and never throttles),
 * injected with aws-sdk-client-mock: the directory follows every page of ListUsers and of each
 * group's ListUsersInGroup, and Cognito's throttling is a 429, never a 500.
 */
import { CognitoIdentityProviderClient, ListUsersCommand, ListUsersInGroupCommand, TooManyRequestsException, type UserType } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV, resetEnvCache } from '../../shared/env';
import { ThrottledError } from '../../shared/http/errors';
import { requireStaffUser, resetStaffDirectory, staffDirectory } from '../../shared/staff/staff-directory';

const cognito = mockClient(CognitoIdentityProviderClient);
afterAll(() => cognito.restore());

const user = (n: number, enabled = true): UserType => ({
  Username: `u${n}`,
  Enabled: enabled,
  Attributes: [
    { Name: 'sub', Value: `sub-${String(n).padStart(3, '0')}` },
    { Name: 'email', Value: `user${String(n).padStart(3, '0')}@msp.example` },
  ],
});

beforeEach(() => {
  process.env[ENV.STAFF_USER_POOL_ID] = 'us-east-1_Staff';
  resetEnvCache();
  resetStaffDirectory();
  cognito.reset();
});

describe('staff directory', () => {
  it('reads every page of users and of each group, and joins them by username', async () => {
    const all = Array.from({ length: 130 }, (_, i) => user(i, i !== 5));
    cognito
      .on(ListUsersCommand, { PaginationToken: undefined })
      .resolves({ Users: all.slice(0, 60), PaginationToken: 'p2' })
      .on(ListUsersCommand, { PaginationToken: 'p2' })
      .resolves({ Users: all.slice(60, 120), PaginationToken: 'p3' })
      .on(ListUsersCommand, { PaginationToken: 'p3' })
      .resolves({ Users: all.slice(120) });
    cognito.on(ListUsersInGroupCommand).resolves({ Users: [] });
    cognito
      .on(ListUsersInGroupCommand, { GroupName: 'Technician', NextToken: undefined })
      .resolves({ Users: all.slice(0, 60), NextToken: 't2' })
      .on(ListUsersInGroupCommand, { GroupName: 'Technician', NextToken: 't2' })
      .resolves({ Users: [all[125]!] })
      .on(ListUsersInGroupCommand, { GroupName: 'Admin' })
      .resolves({ Users: [all[125]!] });

    const members = await staffDirectory();
    expect(members).toHaveLength(129); // one disabled
    expect(members.find((m) => m.id === 'sub-125')).toEqual({ id: 'sub-125', name: 'user125@msp.example', email: 'user125@msp.example', groups: ['Admin', 'Technician'] });
    expect(members.find((m) => m.id === 'sub-070')?.groups).toEqual([]);
    expect(members.find((m) => m.id === 'sub-005')).toBeUndefined();
    expect(cognito.commandCalls(ListUsersCommand)).toHaveLength(3);
    // 5 groups, Technician over two pages: 6 calls, where one AdminListGroupsForUser per user would be 130.
    expect(cognito.commandCalls(ListUsersInGroupCommand)).toHaveLength(6);
    // A second read within the minute is the cached copy.
    await requireStaffUser('sub-001', 'accountManagerId');
    expect(cognito.commandCalls(ListUsersCommand)).toHaveLength(3);
  });

  it('answers Cognito throttling with 429 THROTTLED, and keeps no failed read', async () => {
    cognito.on(ListUsersCommand).rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    cognito.on(ListUsersInGroupCommand).resolves({ Users: [] });
    await expect(staffDirectory()).rejects.toBeInstanceOf(ThrottledError);
    cognito.on(ListUsersCommand).resolves({ Users: [user(1)] });
    expect(await staffDirectory()).toHaveLength(1);
  });
});
