/**
 * The staff directory: the staff pool's enabled users and their staff groups, read from Cognito
 * and kept in this container for at most a minute, because every company write that sets an
 * `accountManagerId` checks it (`requireStaffUser`) and Cognito's user-read quota is small.
 *
 * How it reads: `ListUsers` over every page (60 users a page), then `ListUsersInGroup` over
 * every page of each of the five STAFF_GROUPS, joined by username. For N users that is
 * ceil(N/60) + (at least) 5 calls, where `AdminListGroupsForUser` would be one call per user
 * (N + ceil(N/60)); ListUsers also lists users in no group, who ListUsersInGroup alone would
 * miss. Both are read-only actions on the staff pool, the only Cognito grant the serving
 * function has (`staffDirectory` in shared/routes.ts), and both work on cognito-local too
 * (which answers in one page, without a pagination token).
 */
import type { UserType } from '@aws-sdk/client-cognito-identity-provider';
import { ENV, requireEnv } from '../env';
import { BadRequestError, ThrottledError } from '../http/errors';
import { lazySdk } from '../lazy-sdk';
import { STAFF_GROUPS, type StaffGroup } from '../routes';
import type { StaffMember } from './staff.schema';

/** How long a read directory is used (the brief's "about 60 s at most"). */
export const DIRECTORY_TTL_MS = 60_000;
/** An id not in the cached directory reads it again when the copy is older than this (a user added a moment ago), and no more often. */
export const DIRECTORY_MISS_REFRESH_MS = 5_000;
/** Cognito's page sizes: ListUsers and ListUsersInGroup return at most 60 users a call. */
const PAGE = 60;
/** A guard against a pagination token that never ends: 1,000 pages is 60,000 users. */
const MAX_PAGES = 1_000;
const ATTRIBUTES = ['sub', 'email', 'name', 'given_name', 'family_name'];

// The SDK is loaded by the calls that read the directory, not at the area function's init.
const cognito = lazySdk(
  () => import('@aws-sdk/client-cognito-identity-provider'),
  (sdk) => new sdk.CognitoIdentityProviderClient({}),
);

let cached: { at: number; members: Promise<StaffMember[]> } | undefined;

/** Tests and the local stack point the SDK at new endpoints and pools. */
export const resetStaffDirectory = (): void => {
  cached = undefined;
  cognito.reset();
};

const attribute = (u: UserType, name: string) => u.Attributes?.find((a) => a.Name === name)?.Value;

const nameOf = (u: UserType, email: string | null): string => {
  const full = [attribute(u, 'given_name'), attribute(u, 'family_name')].filter(Boolean).join(' ');
  return attribute(u, 'name') || full || email || u.Username!;
};

const throttled = (err: unknown) => err instanceof Error && (err.name === 'TooManyRequestsException' || err.name === 'LimitExceededException');

/** Every page of a paginated Cognito call, `next` reading one page from a token. */
const allPages = async (next: (token: string | undefined) => Promise<{ users: UserType[]; token: string | undefined }>): Promise<UserType[]> => {
  const users: UserType[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await next(token);
    users.push(...out.users);
    token = out.token;
    if (!token) return users;
  }
  throw new Error('The staff pool has more users than the directory reads');
};

const load = async (): Promise<StaffMember[]> => {
  const { sdk, client } = await cognito();
  const UserPoolId = requireEnv(ENV.STAFF_USER_POOL_ID);
  try {
    const [users, ...byGroup] = await Promise.all([
      allPages(async (PaginationToken) => {
        const out = await client.send(new sdk.ListUsersCommand({ UserPoolId, Limit: PAGE, PaginationToken, AttributesToGet: ATTRIBUTES }));
        return { users: out.Users ?? [], token: out.PaginationToken };
      }),
      ...STAFF_GROUPS.map((GroupName) =>
        allPages(async (NextToken) => {
          const out = await client.send(new sdk.ListUsersInGroupCommand({ UserPoolId, GroupName, Limit: PAGE, NextToken }));
          return { users: out.Users ?? [], token: out.NextToken };
        }),
      ),
    ]);
    const groups = new Map<string, StaffGroup[]>();
    STAFF_GROUPS.forEach((group, i) => {
      for (const u of byGroup[i]!) groups.set(u.Username!, [...(groups.get(u.Username!) ?? []), group]);
    });
    return users
      .filter((u) => u.Enabled !== false && attribute(u, 'sub'))
      .map((u) => {
        const email = attribute(u, 'email') ?? null;
        return { id: attribute(u, 'sub')!, name: nameOf(u, email), email, groups: groups.get(u.Username!) ?? [] };
      })
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id.localeCompare(b.id));
  } catch (err) {
    if (throttled(err)) throw new ThrottledError();
    throw err;
  }
};

/** The directory, read again once the copy is older than `maxAgeMs`; concurrent callers share one read, and a failed read is not kept. */
export const staffDirectory = (maxAgeMs = DIRECTORY_TTL_MS): Promise<StaffMember[]> => {
  const now = Date.now();
  if (!cached || now - cached.at >= maxAgeMs) {
    const members = load();
    const entry = { at: now, members };
    cached = entry;
    members.catch(() => {
      if (cached === entry) cached = undefined;
    });
  }
  return cached.members;
};

/**
 * `400 UNKNOWN_STAFF_USER` unless `id` is an enabled staff user's `sub`. A miss in a copy older
 * than a few seconds reads the directory again first, so a user added a moment ago is found.
 */
export const requireStaffUser = async (id: string, path: string): Promise<void> => {
  if ((await staffDirectory()).some((m) => m.id === id)) return;
  if ((await staffDirectory(DIRECTORY_MISS_REFRESH_MS)).some((m) => m.id === id)) return;
  throw new BadRequestError('UNKNOWN_STAFF_USER', `No staff user has the id ${id}.`, [{ path, message: 'Unknown staff user' }]);
};
