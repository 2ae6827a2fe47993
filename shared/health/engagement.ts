/**
 * Portal engagement, the health score's engagement component: the portal's logins, counted per
 * company and month (`keys.engagement`) by the PreTokenGeneration trigger on every password or
 * SSO login (not a token refresh). One UpdateItem with a one-second budget and no retry loop
 * of ours: counting never stands in a login's way (Cognito gives the trigger 5 s), and a
 * failure is logged. The trigger has just refused the login of an archived company's contact,
 * so no company check is added to the login path.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db } from '../db/client';
import { keys } from '../db/keys';
import { updateItem } from '../db/update';
import { logger } from '../logger';

const TTL_SECONDS = 400 * 24 * 60 * 60;

export const monthOf = (at: Date) => at.toISOString().slice(0, 7);
export const previousMonth = (at: Date) => monthOf(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1)));

/** The months the engagement component reads: this one and the one before. */
export const engagementKeys = (companyId: string, now = new Date()) => [keys.engagement(companyId, monthOf(now)), keys.engagement(companyId, previousMonth(now))];

export const recordPortalLogin = async (companyId: string, at = new Date()): Promise<void> => {
  try {
    await db().send(
      new UpdateCommand(
        updateItem(keys.engagement(companyId, monthOf(at)), {
          set: { type: 'Engagement', month: monthOf(at), lastPortalLoginAt: at.toISOString(), expiresAt: Math.floor(at.getTime() / 1000) + TTL_SECONDS },
          add: { portalLogins: 1 },
        }),
      ),
      { abortSignal: AbortSignal.timeout(1_000) },
    );
  } catch (err) {
    logger.warn('Portal login not counted', { companyId, error: err as Error });
  }
};
