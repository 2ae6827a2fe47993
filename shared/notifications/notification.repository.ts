/** A company's notification log (`keys.notification`), newest first: one Query of its partition's prefix, beside a key-only read that makes an unknown company `404`. */
import { pagePartition } from '../db/partition-page';
import { keys } from '../db/keys';
import { requireCompany } from '../companies/company.repository';
import type { Page } from '../http/pagination';

const strip = ({ pk: _pk, sk: _sk, type: _t, expiresAt: _e, ...rest }: Record<string, unknown>) => rest;

export const listNotifications = async (companyId: string, limit: number, cursor?: string): Promise<Page<Record<string, unknown>>> => {
  const [, page] = await Promise.all([requireCompany(companyId), pagePartition(`notifications:${companyId}`, keys.company(companyId).pk, keys.notificationPrefix, limit, cursor)]);
  return { items: page.items.map(strip), nextCursor: page.nextCursor };
};
