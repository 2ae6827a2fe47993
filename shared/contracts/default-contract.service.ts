/**
 * A company's default contract: the active contract its new tickets take when given none
 * (`PUT /v1/companies/{id}/default-contract`). A company edit like any other: at the company's
 * version, the version bumped, audited, and the contract checked (an active contract of this
 * company) in the same transaction.
 */
import { appendAudit, diff } from '../audit/audit.repository';
import { companyArchived, getCompany, updateCompanyFields } from '../companies/company.repository';
import type { Company } from '../companies/company.schema';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { versionBase } from '../http/concurrency';
import { NotFoundError } from '../http/errors';
import { contractUsable } from './contract.repository';

export const setDefaultContract = async (caller: Caller, companyId: string, contractId: string | null, ifMatch: number | '*' | undefined): Promise<Company> => {
  const base = versionBase(ifMatch);
  const before = await getCompany(companyId, true);
  if (!before) throw new NotFoundError('company');
  base.check(before.version);
  if (before.status !== 'active') throw companyArchived();
  if (before.defaultContractId === contractId) return before;
  const now = new Date().toISOString();
  const after: Company = { ...before, defaultContractId: contractId, version: before.version + 1, updatedAt: now };
  await base.write(
    transact([
      ...updateCompanyFields(before, after, ['defaultContractId']),
      ...(contractId ? [contractUsable(contractId, companyId)] : []),
      appendAudit({ companyId, actor: caller, action: 'company.updated', changes: diff(before, after, ['defaultContractId']), version: { from: before.version, to: after.version }, at: now }),
    ]),
  );
  return after;
};
