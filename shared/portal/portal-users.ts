/**
 * Portal-pool users, one per invited contact. Cognito never emails them (MessageAction
 * SUPPRESS): Clientele sends its own set-up and reset links. The contact id rides on the user
 * as `custom:contactId`, which the login triggers read.
 */
import { ENV, requireEnv } from '../env';
import { ValidationError } from '../http/errors';
import { lazySdk } from '../lazy-sdk';
import { logger } from '../logger';

export const CONTACT_ID_ATTRIBUTE = 'custom:contactId';

// Loaded by the few calls that manage portal users, not by every function that shares this area.
const cognito = lazySdk(
  () => import('@aws-sdk/client-cognito-identity-provider'),
  (sdk) => new sdk.CognitoIdentityProviderClient({}),
);

export const resetPortalUsersClient = (): void => cognito.reset();

const pool = () => requireEnv(ENV.PORTAL_USER_POOL_ID);
const named = (err: unknown, ...names: string[]) => err instanceof Error && names.includes(err.name);

const api = {
  /** The contact's portal user (created without a password), or the one it already has. Returns its username. */
  ensure: async (email: string, contactId: string): Promise<string> => {
    const { sdk, client } = await cognito();
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
      return out.User!.Username!;
    } catch (err) {
      if (!named(err, 'UsernameExistsException')) throw err;
      const user = await client.send(new sdk.AdminGetUserCommand({ UserPoolId: pool(), Username: email }));
      await client.send(new sdk.AdminUpdateUserAttributesCommand({ UserPoolId: pool(), Username: user.Username!, UserAttributes: [{ Name: CONTACT_ID_ATTRIBUTE, Value: contactId }] }));
      return user.Username!;
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
