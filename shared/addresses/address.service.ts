/**
 * Address rules: addresses belong to an active company, and at most one is the billing address.
 * The billing pointer item makes "at most one" hold under concurrency: every billing change is
 * conditional on the pointer as read, and a lost race for the pointer is re-read and retried.
 * Edits and deletes are at the address's version (`If-Match`, or as read): a race lost on the
 * address itself is 412 or 409 CONCURRENT_CHANGE, never retried (shared/http/concurrency.ts).
 */
import { ulid } from 'ulid';
import { retryPolicies } from '../db/retry';
import { transact, type TxItem } from '../db/transact';
import { answerAtVersion, versionBase, type Answer, type VersionOnly } from '../http/concurrency';
import { NotFoundError } from '../http/errors';
import { retryOnStaleRead } from '../db/optimistic';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import {
  addressFromItem,
  claimBilling,
  companyIsActive,
  deleteAddressAtVersion,
  IsBillingAddress,
  deleteAddressItem,
  getAddress,
  getBillingAddressId,
  putNewAddress,
  queryCompanyAddresses,
  releaseBilling,
  updateAddressAtVersion,
  updateAddressFields,
} from './address.repository';
import { ADDRESS_FIELDS, type Address, type CreateAddressInput, type UpdateAddressInput } from './address.schema';

export const addressLocation = (companyId: string, addressId: string) => `/v1/companies/${companyId}/addresses/${addressId}`;

/** A lost race for the billing pointer is re-read and retried: the pointer is one item every billing change of a company writes. */
const retryingBillingRaces = <T>(attempt: () => Promise<T>): Promise<T> => retryOnStaleRead(attempt, retryPolicies.hotItem);

const normalizeAccess = (access: CreateAddressInput['access']): Address['access'] =>
  access ? { name: access.name, phone: access.phone ?? null, email: access.email ?? null, notes: access.notes ?? null } : null;

export const newAddress = (input: CreateAddressInput, id = ulid()): Address => ({
  id,
  label: input.label ?? null,
  line1: input.line1,
  line2: input.line2 ?? null,
  city: input.city,
  region: input.region ?? null,
  postalCode: input.postalCode ?? null,
  country: input.country,
  isBilling: input.isBilling,
  isSite: input.isSite,
  access: normalizeAccess(input.access),
  version: 1,
});

/** The company's addresses in creation order; one Query. */
export const listAddresses = async (companyId: string): Promise<Address[]> => {
  const { companyStatus, addresses } = await queryCompanyAddresses(companyId);
  if (!companyStatus) throw new NotFoundError('company');
  return addresses.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
};

/** The transaction items that make `addressId` the billing address, from a fresh pointer read. */
const claimItems = async (companyId: string, addressId: string): Promise<TxItem[]> =>
  claimBilling(companyId, addressId, await getBillingAddressId(companyId));

export const createAddress = async (companyId: string, input: CreateAddressInput, idempotency?: IdempotencyContext): Promise<Address> => {
  const address = newAddress(input);
  const location = addressLocation(companyId, address.id);
  return retryingBillingRaces(async () => {
    await transact([
      ...recordIdempotent(idempotency, { status: 201, body: address, headers: { location, etag: `"${address.version}"` } }),
      companyIsActive(companyId),
      putNewAddress(companyId, address),
      ...(address.isBilling ? await claimItems(companyId, address.id) : []),
    ]);
    return address;
  });
};

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export const updateAddress = async (companyId: string, addressId: string, input: UpdateAddressInput, ifMatch?: number | '*', answer: Answer = 'representation'): Promise<Address | VersionOnly> => {
  const requested = Object.fromEntries(
    Object.entries({ ...input, ...('access' in input ? { access: normalizeAccess(input.access) } : {}) }).filter(([, v]) => v !== undefined),
  ) as Partial<Address>;
  // The billing flag moves the company's billing pointer, which needs the current one: it reads first.
  if (typeof ifMatch === 'number' && !('isBilling' in requested) && Object.keys(requested).length > 0) return updateAddressWithoutRead(companyId, addressId, requested, ifMatch, answer);
  const base = versionBase(ifMatch);
  return retryingBillingRaces(async () => {
    const before = await getAddress(companyId, addressId);
    if (!before) throw new NotFoundError('address');
    base.check(before.version);
    const changed = ADDRESS_FIELDS.filter((f) => f in requested && !sameValue(before[f], requested[f]));
    const after: Address = { ...before, ...requested, version: changed.length ? before.version + 1 : before.version };

    const billing: TxItem[] = [];
    if (changed.includes('isBilling')) {
      billing.push(...(after.isBilling ? await claimItems(companyId, addressId) : [releaseBilling(companyId, addressId)]));
    }
    await base.write(transact([companyIsActive(companyId), updateAddressFields(companyId, before, after, changed), ...billing]));
    return after;
  });
};

/**
 * `If-Match: "n"`, no billing change: one transaction (the company active, the address at n
 * with the sent fields), no read before it; a failure answers from the old items (404, 412,
 * 409 COMPANY_ARCHIVED, or the address as it is when nothing would change); the response is
 * read once after the commit, unless the client asked for none (`Prefer: return=minimal`).
 */
const updateAddressWithoutRead = async (companyId: string, addressId: string, requested: Partial<Address>, ifMatch: number, answer: Answer): Promise<Address | VersionOnly> => {
  return answerAtVersion(
    ifMatch,
    answer,
    () => transact([companyIsActive(companyId), updateAddressAtVersion(companyId, addressId, ifMatch, requested)]),
    addressFromItem,
    async () => {
      const after = await getAddress(companyId, addressId);
      if (!after) throw new NotFoundError('address');
      return after;
    },
  );
};

export const deleteAddress = async (companyId: string, addressId: string, ifMatch?: number | '*'): Promise<void> => {
  if (typeof ifMatch === 'number') {
    // One transaction unless it is the billing address (then the pointer's release needs the read below).
    try {
      return await transact([companyIsActive(companyId), deleteAddressAtVersion(companyId, addressId, ifMatch)]);
    } catch (err) {
      if (!(err instanceof IsBillingAddress)) throw err;
    }
  }
  const base = versionBase(ifMatch);
  return retryingBillingRaces(async () => {
    const before = await getAddress(companyId, addressId);
    if (!before) throw new NotFoundError('address');
    base.check(before.version);
    await base.write(
      transact([companyIsActive(companyId), deleteAddressItem(companyId, before), ...(before.isBilling ? [releaseBilling(companyId, addressId)] : [])]),
    );
  });
};
