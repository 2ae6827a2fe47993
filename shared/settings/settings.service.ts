/**
 * `GET|PUT /v1/companies/{id}/settings`. The settings are part of the company: a PUT is one
 * company change at the version read (`If-Match`, or the version read first), audited as
 * `company.settings_updated` in the same transaction, refused for an archived company
 * (`409 COMPANY_ARCHIVED`, checked on the item inside the transaction). What they name is
 * checked in that transaction too: the SLA policy exists (and counts the company among its
 * users, so it cannot be deleted under it), the billing contact is one of the company's; the
 * technician is a staff user and the contacts of notification rules are the company's
 * (read before: the notifier checks every recipient again when it mails).
 */
import { appendAudit, diff } from '../audit/audit.repository';
import { companyArchived, getCompanyItem, updateCompanyAttributes } from '../companies/company.repository';
import { billingContactCheck } from '../companies/company.service';
import { batchGet } from '../db/batch';
import { keys } from '../db/keys';
import { transact, type TxItem } from '../db/transact';
import type { Caller } from '../http/caller';
import { versionBase } from '../http/concurrency';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors';
import { countPolicyUse } from '../sla/sla-policy.repository';
import { requireStaffUser } from '../staff/staff-directory';
import { settingsOf, type StoredSettings } from './client-settings';
import type { ClientSettings, ClientSettingsInput, MspSettingsInput } from './settings.schema';
import { getMspSettings, putMspCategories, type MspSettings } from './msp-settings';

const toResource = (item: Record<string, unknown>): ClientSettings => {
  const s = settingsOf(item);
  const hourlyRate = (item.hourlyRate as string | null | undefined) ?? null;
  return {
    companyId: String(item.id),
    slaPolicyId: s.slaPolicyId,
    businessHours: s.businessHours as ClientSettings['businessHours'],
    portal: s.portal,
    notificationRules: s.notificationRules,
    billingRates: hourlyRate === null && s.afterHoursRate === null ? null : { hourlyRate, afterHoursRate: s.afterHoursRate },
    autoAssignment: s.autoAssignment,
    billingContactId: (item.billingContactId as string | null | undefined) ?? null,
    version: Number(item.version ?? 1),
    updatedAt: String(item.updatedAt),
  };
};

/** The resource's fields an audit entry compares. */
const SETTINGS_FIELDS = ['slaPolicyId', 'businessHours', 'portal', 'notificationRules', 'billingRates', 'autoAssignment', 'billingContactId'] as const satisfies readonly (keyof ClientSettings)[];

export const findClientSettings = async (companyId: string): Promise<ClientSettings> => {
  const item = await getCompanyItem(companyId);
  if (!item) throw new NotFoundError('company');
  return toResource(item);
};

/** Every contact a rule names exists (400 UNKNOWN_CONTACT at its body path) and is the company's (409 CONTACT_NOT_IN_COMPANY). */
const checkRuleContacts = async (companyId: string, input: ClientSettingsInput): Promise<void> => {
  const named = input.notificationRules.flatMap((r, i) => (typeof r.notify === 'object' ? r.notify.contactIds.map((id, j) => ({ id, path: `/notificationRules/${i}/notify/contactIds/${j}` })) : []));
  if (!named.length) return;
  const found = new Map((await batchGet([...new Set(named.map((n) => n.id))].map((id) => keys.contact(id)))).map((c) => [String(c.id), c]));
  const unknown = named.filter((n) => !found.has(n.id));
  if (unknown.length) throw new BadRequestError('UNKNOWN_CONTACT', `No contact has the id ${unknown[0]!.id}.`, unknown.map((n) => ({ path: n.path, message: 'Unknown contact' })));
  const elsewhere = named.find((n) => found.get(n.id)!.companyId !== companyId);
  if (elsewhere) throw new ConflictError('CONTACT_NOT_IN_COMPANY', `Contact ${elsewhere.id} (${elsewhere.path}) is not a contact of this company.`);
};

export const putClientSettings = async (caller: Caller, companyId: string, input: ClientSettingsInput, ifMatch: number | '*' | undefined): Promise<ClientSettings> => {
  const base = versionBase(ifMatch);
  const item = await getCompanyItem(companyId, true);
  if (!item) throw new NotFoundError('company');
  base.check(Number(item.version ?? 1));
  if (item.status !== 'active') throw companyArchived();
  const before = toResource(item);
  const stored: StoredSettings = {
    slaPolicyId: input.slaPolicyId,
    businessHours: input.businessHours,
    portal: input.portal,
    notificationRules: input.notificationRules,
    afterHoursRate: input.billingRates?.afterHoursRate ?? null,
    autoAssignment: input.autoAssignment,
  };
  const now = new Date().toISOString();
  const fields = { settings: stored, hourlyRate: input.billingRates?.hourlyRate ?? null, billingContactId: input.billingContactId };
  const after = toResource({ ...item, ...fields, version: before.version + 1, updatedAt: now });
  const changes = diff(before, after, SETTINGS_FIELDS);
  if (Object.keys(changes).length === 0) return before; // nothing to write, nothing to audit

  if (input.autoAssignment?.technicianId && input.autoAssignment.technicianId !== before.autoAssignment?.technicianId) {
    await requireStaffUser(input.autoAssignment.technicianId, '/autoAssignment/technicianId');
  }
  await checkRuleContacts(companyId, input);
  const policyMoved = before.slaPolicyId !== after.slaPolicyId;
  const items: TxItem[] = [
    updateCompanyAttributes(companyId, before.version, fields, now),
    ...(before.billingContactId !== after.billingContactId ? billingContactCheck(companyId, after.billingContactId) : []),
    ...(policyMoved && after.slaPolicyId ? [countPolicyUse(after.slaPolicyId, 1)] : []),
    ...(policyMoved && before.slaPolicyId ? [countPolicyUse(before.slaPolicyId, -1)] : []),
    appendAudit({ companyId, actor: caller, action: 'company.settings_updated', changes, version: { from: before.version, to: after.version }, at: now }),
  ];
  await base.write(transact(items));
  return after;
};

/** `PUT /v1/settings`: the categories at the version read (`If-Match`); the deployment's time zone and currency only as they are. */
export const putMspSettings = async (input: MspSettingsInput, ifMatch: number | '*' | undefined): Promise<MspSettings> => {
  const base = versionBase(ifMatch);
  const current = await getMspSettings(true);
  base.check(current.version);
  for (const field of ['timezone', 'currency'] as const) {
    if (input[field] !== undefined && input[field] !== current[field]) {
      throw new ConflictError('DEPLOYMENT_SETTING', `The ${field} is the deployment's (${current[field]}): issued billing dates and amounts were computed in it, so it changes with a deploy, not a request.`);
    }
  }
  if (JSON.stringify(input.categories) === JSON.stringify(current.categories) && current.version > 0) return current;
  const now = new Date().toISOString();
  await base.write(transact([putMspCategories(input.categories, current.version, now)]));
  return { ...current, categories: input.categories, version: current.version + 1, updatedAt: now };
};
