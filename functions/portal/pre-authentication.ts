/** Cognito PreAuthentication (portal pool): an inactive contact or a paused company cannot log in. */
import type { PreAuthenticationTriggerEvent } from 'aws-lambda';
import { ENV, optionalEnv } from '../../shared/env';
import { checkPortalLogin } from '../../shared/portal/portal.service';

export const handler = async (event: PreAuthenticationTriggerEvent): Promise<PreAuthenticationTriggerEvent> => {
  const portalPool = optionalEnv(ENV.PORTAL_USER_POOL_ID);
  if (portalPool && event.userPoolId !== portalPool) return event; // a local Cognito runs triggers for every pool
  await checkPortalLogin(event.request.userAttributes);
  return event;
};
