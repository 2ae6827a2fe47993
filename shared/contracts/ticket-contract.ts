/**
 * A ticket's contract (API.md v1.1): given, it must be an active contract of the ticket's
 * company (`409 CONTRACT_NOT_IN_COMPANY`, checked in the ticket's transaction); not given on
 * create, the ticket takes the company's default contract while that is still active.
 */
import type { RecordHook } from '../records/record.hooks';
import { contractUsable, getCompanyTerms, getContract } from './contract.repository';

export const ticketContract: RecordHook = {
  async prepare({ before, after, input }) {
    const companyId = after.companyId;
    if (!companyId) return { items: [] };
    if (!before && input.contractId === undefined) {
      // Absent (not null): the company's default, unless it has ended since it was set.
      const company = await getCompanyTerms(companyId);
      const id = company?.defaultContractId;
      if (!id) return { items: [] };
      const contract = await getContract(id);
      if (contract?.status !== 'active' || contract.companyId !== companyId) return { items: [] };
      return { set: { contractId: id }, items: [contractUsable(id, companyId)] };
    }
    const contractId = after.contractId as string | null | undefined;
    const relinked = !before || before.contractId !== contractId || before.companyId !== companyId;
    return { items: contractId && relinked ? [contractUsable(contractId, companyId)] : [] };
  },
};
