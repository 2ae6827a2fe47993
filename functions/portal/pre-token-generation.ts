/**
 * Cognito PreTokenGeneration (portal pool): runs for password and federated (SSO) logins and
 * token refreshes alike. Refuses an inactive contact or a paused company, and puts `contactId`
 * and `companyId` into the ID token. A login (not a refresh) is counted for the company's
 * portal engagement (shared/health/engagement.ts), never in the login's way.
 */
import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { ENV, optionalEnv } from '../../shared/env';
import { recordPortalLogin } from '../../shared/health/engagement';
import { checkPortalLogin } from '../../shared/portal/portal.service';

export const handler = async (event: PreTokenGenerationTriggerEvent): Promise<PreTokenGenerationTriggerEvent> => {
  const portalPool = optionalEnv(ENV.PORTAL_USER_POOL_ID);
  if (portalPool && event.userPoolId !== portalPool) return event; // a local Cognito runs triggers for every pool
  const { contactId, companyId } = await checkPortalLogin(event.request.userAttributes);
  // A login, not a refresh of one: the company's portal engagement (health score) counts it.
  if (event.triggerSource !== 'TokenGeneration_RefreshTokens') await recordPortalLogin(companyId);
  event.response = { claimsOverrideDetails: { claimsToAddOrOverride: { contactId, companyId } } };
  return event;
};
