/**
 * Cognito PreTokenGeneration (portal pool): runs for password and federated (SSO) logins and
 * token refreshes alike. Refuses an inactive contact or a paused company, and puts `contactId`
 * and `companyId` into the ID token.
 */
import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { ENV, optionalEnv } from '../../shared/env';
import { checkPortalLogin } from '../../shared/portal/portal.service';

export const handler = async (event: PreTokenGenerationTriggerEvent): Promise<PreTokenGenerationTriggerEvent> => {
  const portalPool = optionalEnv(ENV.PORTAL_USER_POOL_ID);
  if (portalPool && event.userPoolId !== portalPool) return event; // a local Cognito runs triggers for every pool
  const { contactId, companyId } = await checkPortalLogin(event.request.userAttributes);
  event.response = { claimsOverrideDetails: { claimsToAddOrOverride: { contactId, companyId } } };
  return event;
};
