/**
 * SLA policy rules (API.md v1.1 "Service levels"): exactly one policy is the default. The first
 * policy is the default whatever it asks; a policy made the default takes the flag from the
 * old one in the same transaction (the pointer, `sla-policy.repository.ts`); the default cannot
 * be un-defaulted or deleted (`409 SLA_DEFAULT_REQUIRED`: make another the default), nor can a
 * policy some company's settings name (`409 SLA_POLICY_IN_USE`). Every change is at the version
 * read (`If-Match`, or the version read first). A policy's change does not move the due times
 * tickets already have: they were promised under the policy as it was (a priority change
 * recomputes one ticket's under the policy as it is).
 */
import { ulid } from 'ulid';
import { transact } from '../db/transact';
import { addBusinessMinutes } from './business-time';
import { retryOnStaleRead } from '../db/optimistic';
import { versionBase } from '../http/concurrency';
import { concurrentChange, NotFoundError } from '../http/errors';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import type { CreateSlaPolicyInput, SlaPolicy, UpdateSlaPolicyInput } from './sla.schema';
import {
  deleteSlaPolicyItem,
  getDefaultPolicyId,
  getSlaPolicy,
  listSlaPolicies,
  moveDefault,
  refreshDefaultCopy,
  putNewSlaPolicy,
  replaceSlaPolicy,
  slaDefaultRequired,
  toSlaPolicy,
  type StoredSlaPolicy,
} from './sla-policy.repository';

export const slaPolicyLocation = (id: string) => `/v1/sla-policies/${id}`;

/** A calendar that cannot give a due time from now (closed for `MAX_CLOSED_DAYS` days: holidays over every open day) is refused, `409 SLA_NO_BUSINESS_TIME`. */
const assertOpens = (p: Pick<SlaPolicy, 'timezone' | 'hours' | 'holidays'>) => void addBusinessMinutes(new Date(), 1, p);

export const createSlaPolicy = async (input: CreateSlaPolicyInput, idempotency?: IdempotencyContext): Promise<SlaPolicy> =>
  retryOnStaleRead(async () => {
    const currentDefault = await getDefaultPolicyId();
    const now = new Date().toISOString();
    const policy: StoredSlaPolicy = {
      id: ulid(),
      name: input.name,
      // The first policy is the default: there must always be exactly one.
      isDefault: input.isDefault || currentDefault === undefined,
      timezone: input.timezone,
      hours: input.hours,
      holidays: input.holidays,
      targets: input.targets,
      version: 1,
      createdAt: now,
      updatedAt: now,
      usedBy: 0,
    };
    assertOpens(policy);
    const resource = toSlaPolicy(policy);
    await transact([
      ...recordIdempotent(idempotency, { status: 201, body: resource, headers: { location: slaPolicyLocation(policy.id), etag: '"1"' } }),
      putNewSlaPolicy(policy),
      ...(policy.isDefault ? moveDefault(currentDefault, resource, now) : []),
    ]);
    return resource;
  });

export const findSlaPolicy = async (id: string): Promise<SlaPolicy> => {
  const p = await getSlaPolicy(id);
  if (!p) throw new NotFoundError('SLA policy');
  return toSlaPolicy(p);
};

export const slaPolicies = async (limit: number, cursor?: string): Promise<Page<SlaPolicy>> => {
  const page = await listSlaPolicies(limit, cursor);
  return { items: page.items.map(toSlaPolicy), nextCursor: page.nextCursor };
};

const readAt = async (id: string, ifMatch: number | '*' | undefined) => {
  const base = versionBase(ifMatch);
  const before = await getSlaPolicy(id, true);
  if (!before) throw new NotFoundError('SLA policy');
  base.check(before.version);
  return { base, before };
};

export const updateSlaPolicy = async (id: string, input: UpdateSlaPolicyInput, ifMatch: number | '*' | undefined): Promise<SlaPolicy> => {
  const { base, before } = await readAt(id, ifMatch);
  if (input.isDefault === false && before.isDefault) throw slaDefaultRequired();
  const sent = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<SlaPolicy>;
  const merged: SlaPolicy = { ...toSlaPolicy(before), ...sent };
  const changed = (Object.keys(sent) as (keyof SlaPolicy)[]).some((f) => JSON.stringify(merged[f]) !== JSON.stringify(before[f]));
  if (!changed) return toSlaPolicy(before);
  assertOpens(merged);
  const now = new Date().toISOString();
  const after: SlaPolicy = { ...merged, version: before.version + 1, updatedAt: now };
  const becomesDefault = after.isDefault && !before.isDefault;
  // The pointer's current value is read only when the default moves; a race on it is a 409 (the policy's own version is the client's).
  const pointerItems = (becomesDefault ? moveDefault(await getDefaultPolicyId(), after, now) : after.isDefault ? [refreshDefaultCopy(after)] : []).map((i) => ({ ...i, onConditionFailed: concurrentChange }));
  await base.write(transact([replaceSlaPolicy(before, after), ...pointerItems]));
  return after;
};

export const deleteSlaPolicy = async (id: string, ifMatch: number | '*' | undefined): Promise<void> => {
  const { base, before } = await readAt(id, ifMatch);
  if (before.isDefault) throw slaDefaultRequired();
  await base.write(transact([deleteSlaPolicyItem(before)]));
};
