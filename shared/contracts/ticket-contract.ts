/**
 * A ticket's contract (API.md v1.1): given, it must be an active contract of the ticket's
 * company (`409 CONTRACT_NOT_IN_COMPANY`, checked in the ticket's transaction); not given on
 * create, the ticket takes the company's default contract (the company item, read once for every rule of the write).
 */
import type { RecordHook } from '../records/record.hooks';
import { contractUsable } from './contract.repository';

export const ticketContract: RecordHook = {
  async prepare({ before, after, input, company }) {
    const companyId = after.companyId;
    if (!companyId) return { items: [] };
    if (!before && input.contractId === undefined) {
      // Absent (not null): the company's default. A contract that ends stops being the default in
      // the same transaction, so the default read is active; the check covers the instant between.
      const id = (await company())?.defaultContractId as string | null | undefined;
      return id ? { set: { contractId: id }, items: [contractUsable(id, companyId)] } : { items: [] };
    }
    const contractId = after.contractId as string | null | undefined;
    const relinked = !before || before.contractId !== contractId || before.companyId !== companyId;
    return { items: contractId && relinked ? [contractUsable(contractId, companyId)] : [] };
  },
};
