/**
 * `PUT /v1/external/{system}/companies/{externalId}`: a company upserted by an outside
 * system's id (shared/crm/upsert.ts), through the company's own create and change items (name
 * guard, audit entry), with its link and the `syncedFrom` marker in the same transaction.
 * A field the body leaves out keeps its value; an archived company is left as it is (409).
 */
import { companyArchived, companyIdByName, getCompany } from '../companies/company.repository';
import type { Company, CreateCompanyInput } from '../companies/company.schema';
import { changeCompanyItems, checkAccountManager, createCompanyItems, newCompany, requestedFields } from '../companies/company.service';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { ConflictError } from '../http/errors';
import { externalSource, type SyncedFrom } from './external-link.repository';
import { upsertByExternalId, withLink, writeUpsert, type Upserted } from './upsert';

export const upsertExternalCompany = (caller: Caller, system: string, externalId: string, input: CreateCompanyInput): Promise<Upserted<Company>> => {
  const requested = requestedFields(input);
  const reason = externalSource(system);
  const marker = (version: number): { syncedFrom: SyncedFrom } => ({ syncedFrom: { system, version } });
  return upsertByExternalId<Company>(
    { system, kind: 'COMPANY', externalId },
    {
      get: (id) => getCompany(id, true),
      naturalKeyOwner: () => companyIdByName(input.name),
      taken: () => new ConflictError('COMPANY_NAME_TAKEN', `A company named "${input.name}" exists and is linked to another ${system} id.`),
      create: async (link) => {
        await checkAccountManager(input.accountManagerId);
        const now = new Date().toISOString();
        const company: Company = { ...newCompany(input, now), externalIds: { [system]: externalId } };
        await transact([link(company.id), ...createCompanyItems(caller, company, now, { internal: marker(company.version), reason })]);
        return company;
      },
      update: async (target, link) => {
        // Archived means preserved as-is, also for the source of truth (as a PATCH: checked before "nothing to change").
        if (target.status === 'archived') throw companyArchived();
        const wanted = { ...requested, externalIds: withLink(target.externalIds, system, externalId) };
        const change = changeCompanyItems(caller, target, wanted, new Date().toISOString(), { alsoCompared: ['externalIds'], internal: marker(target.version + 1), reason });
        if (change && wanted.accountManagerId !== target.accountManagerId) await checkAccountManager(wanted.accountManagerId);
        await writeUpsert(link, change?.items);
        return change?.after ?? target;
      },
    },
  );
};
