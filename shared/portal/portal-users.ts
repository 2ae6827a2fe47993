/**
 * Portal-pool users, one per invited contact. Cognito never emails them (MessageAction
 * SUPPRESS): Clientele sends its own set-up and reset links. The user's immutable `sub` is what
 * the contact stores and what every login and portal request resolves; `custom:contactId`
 * (immutable, set only here) tells a concurrent invite of the same contact from a stale user.
 */
import type { AttributeType } from '@aws-sdk/client-cognito-identity-provider';
import { ENV, requireEnv } from '../env';
import { StaleReadError, ValidationError } from '../http/errors';
import { lazySdk } from '../lazy-sdk';
import { logger } from '../logger';
import { CONTACT_ID_ATTRIBUTE } from './portal-pool';

export { CONTACT_ID_ATTRIBUTE };

/** A portal user as the contact records it: the username for admin calls, the sub for identity. */
export interface PortalUser {
  username: string;
  sub: string;
}

// Loaded by the few calls that manage portal users, not by every function that shares this area.
const cognito = lazySdk(
  () => import('@aws-sdk/client-cognito-identity-provider'),
  (sdk) => new sdk.CognitoIdentityProviderClient({}),
);

export const resetPortalUsersClient = (): void => cognito.reset();

const pool = () => requireEnv(ENV.PORTAL_USER_POOL_ID);
const named = (err: unknown, ...names: string[]) => err instanceof Error && names.includes(err.name);
const attribute = (attributes: AttributeType[] | undefined, name: string) => attributes?.find((a) => a.Name === name)?.Value;

const userOf = (username: string | undefined, attributes: AttributeType[] | undefined): PortalUser => {
  const sub = attribute(attributes, 'sub');
  if (!username || !sub) throw new Error('Cognito returned a user without a username or sub');
  return { username, sub };
};

/** Rounds of create / read / delete-stale before `ensure` lets the caller's retry start over. */
const ENSURE_ROUNDS = 4;

const api = {
  /**
   * The contact's portal user (created without a password), with its username and sub. A user
   * that already holds the email is reused only when it was made for this contact (a concurrent
   * invite); otherwise it is stale (its contact was deleted or no longer holds the email) and is
   * deleted and made again: a user's contact is never rewritten.
   */
  ensure: async (email: string, contactId: string): Promise<PortalUser> => {
    const { sdk, client } = await cognito();
    for (let round = 1; round <= ENSURE_ROUNDS; round++) {
      try {
        const out = await client.send(
          new sdk.AdminCreateUserCommand({
            UserPoolId: pool(),
            Username: email,
            MessageAction: 'SUPPRESS',
            UserAttributes: [
              { Name: 'email', Value: email },
              { Name: 'email_verified', Value: 'true' },
              { Name: CONTACT_ID_ATTRIBUTE, Value: contactId },
            ],
          }),
        );
        return userOf(out.User?.Username, out.User?.Attributes);
      } catch (err) {
        if (!named(err, 'UsernameExistsException')) throw err;
      }
      let existing;
      try {
        existing = await client.send(new sdk.AdminGetUserCommand({ UserPoolId: pool(), Username: email }));
      } catch (err) {
        if (named(err, 'UserNotFoundException')) continue; // deleted since, by a concurrent invite: create again
        throw err;
      }
      if (attribute(existing.UserAttributes, CONTACT_ID_ATTRIBUTE) === contactId) return userOf(existing.Username, existing.UserAttributes);
      // Deleted by its own username, never by the email: a concurrent invite may already have made the new user.
      await api.deleteUser(existing.Username!);
      logger.info('Replaced a stale portal user', { contactId });
    }
    throw new StaleReadError();
  },

  /** The user's sub, when the user still exists and was made for `contactId` (binding contacts invited before the sub was stored). */
  subOf: async (username: string, contactId: string): Promise<string | undefined> => {
    const { sdk, client } = await cognito();
    try {
      const user = await client.send(new sdk.AdminGetUserCommand({ UserPoolId: pool(), Username: username }));
      return attribute(user.UserAttributes, CONTACT_ID_ATTRIBUTE) === contactId ? attribute(user.UserAttributes, 'sub') : undefined;
    } catch (err) {
      if (named(err, 'UserNotFoundException')) return undefined;
      throw err;
    }
  },

  /** Sets a permanent password; Cognito's password policy refusals are the caller's 400. */
  setPassword: async (username: string, password: string): Promise<void> => {
    const { sdk, client } = await cognito();
    try {
      await client.send(new sdk.AdminSetUserPasswordCommand({ UserPoolId: pool(), Username: username, Password: password, Permanent: true }));
    } catch (err) {
      if (named(err, 'InvalidPasswordException', 'InvalidParameterException')) throw new ValidationError([{ path: 'password', message: (err as Error).message }]);
      throw err;
    }
  },

  /** Disables the user and ends every session it has. */
  disable: async (username: string): Promise<void> => {
    const { sdk, client } = await cognito();
    await client.send(new sdk.AdminDisableUserCommand({ UserPoolId: pool(), Username: username }));
    try {
      await client.send(new sdk.AdminUserGlobalSignOutCommand({ UserPoolId: pool(), Username: username }));
    } catch (err) {
      // cognito-local has no global sign-out; the portal guard refuses the contact's tokens anyway.
      if (!named(err, 'Unsupported')) throw err;
      logger.debug('Global sign-out is not supported by this Cognito endpoint');
    }
  },

  enable: async (username: string): Promise<void> => {
    const { sdk, client } = await cognito();
    await client.send(new sdk.AdminEnableUserCommand({ UserPoolId: pool(), Username: username }));
  },

  updateEmail: async (username: string, email: string): Promise<void> => {
    const { sdk, client } = await cognito();
    await client.send(
      new sdk.AdminUpdateUserAttributesCommand({
        UserPoolId: pool(),
        Username: username,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
  },

  deleteUser: async (username: string): Promise<void> => {
    const { sdk, client } = await cognito();
    try {
      await client.send(new sdk.AdminDeleteUserCommand({ UserPoolId: pool(), Username: username }));
    } catch (err) {
      if (!named(err, 'UserNotFoundException')) throw err;
    }
  },
};

export type PortalUsers = typeof api;
export const portalUsers = (): PortalUsers => api;
