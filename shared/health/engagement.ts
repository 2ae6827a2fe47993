/**
 * Portal engagement, the health score's engagement component: the portal's logins, counted per
 * company and month (`keys.engagement`) by the PreTokenGeneration trigger on every password or
 * SSO login (not a token refresh), in one transaction with a check that the company is active
 * (archived means preserved as-is). Counting never stands in a login's way: a failure is logged.
 */
import { companyActive, companyArchived } from '../companies/company.repository';
import { keys } from '../db/keys';
import { transact } from '../db/transact';
import { updateItem } from '../db/update';
import { logger } from '../logger';

const TTL_SECONDS = 400 * 24 * 60 * 60;

export const monthOf = (at: Date) => at.toISOString().slice(0, 7);
export const previousMonth = (at: Date) => monthOf(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1)));

/** The months the engagement component reads: this one and the one before. */
export const engagementKeys = (companyId: string, now = new Date()) => [keys.engagement(companyId, monthOf(now)), keys.engagement(companyId, previousMonth(now))];

export const recordPortalLogin = async (companyId: string, at = new Date()): Promise<void> => {
  try {
    await transact([
      companyActive(companyId, companyArchived),
      {
        item: {
          Update: updateItem(keys.engagement(companyId, monthOf(at)), {
            set: { type: 'Engagement', month: monthOf(at), lastPortalLoginAt: at.toISOString(), expiresAt: Math.floor(at.getTime() / 1000) + TTL_SECONDS },
            add: { portalLogins: 1 },
          }),
        },
      },
    ]);
  } catch (err) {
    logger.warn('Portal login not counted', { companyId, error: err as Error });
  }
};
