/**
 * Installer tokens (API.md "Installer tokens and devices"): staff create one per company (label,
 * expiry of at most a year, optional use limit), shown once as `cit_<id>_<secret>` and stored as
 * the secret's SHA-256; a device agent registers its device with it on the public route
 * `POST /v1/public/devices/register`, which creates the company's asset or updates the one with
 * the same serial number.
 *
 * Every refusal of a registration by its token (missing, malformed, unknown, wrong secret,
 * revoked, expired, used up, its company archived or gone) is the same `401` with the same
 * body, and the token checks do the same work whatever fails: one consistent read of a token
 * item (a made-up id when the token is malformed) and one constant-time hash comparison.
 */
import { ulid } from 'ulid';
import { companyArchived, companyReference, getCompany } from '../companies/company.repository';
import { newSecretToken, parseSecretToken, secretMatches } from '../crypto/secret-token';
import { retryOnStaleRead } from '../db/optimistic';
import { retryPolicies } from '../db/retry';
import { transact } from '../db/transact';
import { ApiError, NotFoundError, StaleReadError, UnauthorizedError } from '../http/errors';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import { getRecord, newRecord, newRecordItems, updateRecordItem, type StoredRecord } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import {
  AlreadyRevoked,
  claimSerialItem,
  getInstallerToken,
  getSerialGuard,
  listInstallerTokens,
  putNewInstallerToken,
  revokeInstallerTokenItem,
  toInstallerToken,
  useInstallerTokenItem,
  type StoredInstallerToken,
} from './installer-token.repository';
import { normalizeSerial, type CreateInstallerTokenInput, type InstallerToken, type RegisterDeviceInput } from './installer-token.schema';

/** The tokens' prefix: `cit_<id>_<secret>` (shared/crypto/secret-token.ts). */
const PREFIX = 'cit';
/** The `Authorization` scheme the agent sends the token with. */
const SCHEME = /^Installer\s+(\S+)\s*$/i;
/** The id read for a malformed token, so that it costs the same read as an unknown one. */
const NO_SUCH_ID = '00000000000000000000000000';
/** A hash compared against when no token item was found (same length, never matches a secret's). */
const NO_SUCH_HASH = '0'.repeat(64);

/** The one answer to every refused token. */
export const tokenRefused = (): UnauthorizedError => new UnauthorizedError('A valid installer token is required (Authorization: Installer <token>).');

const companyOf = async (companyId: string) => {
  const company = await getCompany(companyId, true);
  if (!company) throw new NotFoundError('company');
  return company;
};

export const createInstallerToken = async (companyId: string, input: CreateInstallerTokenInput, createdBy: string, idempotency?: IdempotencyContext): Promise<InstallerToken & { token: string }> => {
  const company = await companyOf(companyId);
  // Archived means preserved as-is: no new way in for its devices.
  if (company.status !== 'active') throw companyArchived();
  const id = ulid();
  const { token, secretHash, hint } = newSecretToken(PREFIX, id);
  const stored: StoredInstallerToken = {
    id,
    companyId,
    label: input.label,
    hint,
    expiresAt: new Date(input.expiresAt).toISOString(),
    uses: 0,
    maxUses: input.maxUses,
    revokedAt: null,
    createdAt: new Date().toISOString(),
    createdBy,
    secretHash,
  };
  const resource = toInstallerToken(stored);
  // An Idempotency-Key replay answers without the token: the table never holds it.
  await transact([
    ...recordIdempotent(idempotency, { status: 201, body: resource, headers: { location: `/v1/installer-tokens/${id}` } }),
    putNewInstallerToken(stored),
    // The company must still be active when the token is written (an archive may land meanwhile).
    companyReference(companyId, {}, { into: false }),
  ]);
  return { ...resource, token };
};

/** The company's tokens in creation order, revoked and expired ones included (never the tokens). */
export const installerTokens = async (companyId: string, limit: number, cursor?: string): Promise<Page<InstallerToken>> => {
  await companyOf(companyId);
  const page = await listInstallerTokens(companyId, limit, cursor);
  return { items: page.items.map(toInstallerToken), nextCursor: page.nextCursor };
};

/**
 * Revokes the token at once; revoking a revoked token changes nothing. Allowed for an archived
 * company's token too: shutting a way in is never refused.
 */
export const revokeInstallerToken = async (id: string): Promise<void> => {
  try {
    await transact([revokeInstallerTokenItem(id, new Date().toISOString())]);
  } catch (err) {
    if (!(err instanceof AlreadyRevoked)) throw err;
  }
};

/** The live token the `Authorization` header carries, or the one refusal. */
const authenticate = async (authorization: string | undefined, now: Date): Promise<StoredInstallerToken> => {
  const parsed = parseSecretToken(PREFIX, SCHEME.exec(authorization ?? '')?.[1] ?? '');
  const stored = await getInstallerToken(parsed?.id ?? NO_SUCH_ID);
  // Compared even when nothing was found, so that a found token takes no longer to refuse.
  const matches = secretMatches(parsed?.secret ?? '', stored?.secretHash ?? NO_SUCH_HASH);
  if (!parsed || !stored || !matches) throw tokenRefused();
  if (stored.revokedAt || Date.parse(stored.expiresAt) <= now.getTime() || (stored.maxUses !== null && stored.uses >= stored.maxUses)) throw tokenRefused();
  return stored;
};

/** Refusals the writes meet after the check (the token used up or revoked meanwhile, the company archived or deleted): the same 401. */
const asRefusal = (err: unknown): unknown =>
  err instanceof ApiError && (err.code === 'COMPANY_ARCHIVED' || err.code === 'UNKNOWN_COMPANY' || err.code === 'UNAUTHORIZED') ? tokenRefused() : err;

/**
 * Registers a device: updates the company's asset with this serial number (hostname, OS, and
 * kind when given; a re-install never duplicates), or creates it with the company's `counts.assets` and the
 * serial's guard, in one transaction with the token's use. Concurrent registrations of one serial
 * meet at the guard: the loser reads again and updates the winner's asset.
 */
export const registerDevice = async (authorization: string | undefined, input: RegisterDeviceInput): Promise<{ created: boolean; assetId: string }> => {
  const token = await authenticate(authorization, new Date());
  const kind = recordKinds.asset;
  const serial = normalizeSerial(input.serialNumber);
  try {
    return await retryOnStaleRead(async () => {
      const now = new Date();
      const use = useInstallerTokenItem(token.id, now, tokenRefused);
      const guard = await getSerialGuard(token.companyId, serial);
      const asset = guard ? await getRecord(kind, guard.assetId, true) : undefined;
      // The guard's asset, unless staff moved it to another company or changed its serial since.
      const live = asset && asset.companyId === token.companyId && normalizeSerial(String(asset.serialNumber ?? '')) === serial ? asset : undefined;
      if (live) {
        const after: StoredRecord = { ...live, name: input.hostname, os: input.os, kind: input.kind ?? live.kind, version: live.version + 1, updatedAt: now.toISOString() };
        await transact([
          use,
          // Changed meanwhile (staff, another registration): read again.
          { ...updateRecordItem(kind, live, after, ['name', 'os', 'kind']), onConditionFailed: () => new StaleReadError() },
          companyReference(token.companyId, {}, { into: false }),
        ]);
        return { created: false, assetId: live.id };
      }
      const record = newRecord(
        kind,
        { companyId: token.companyId, contactId: null, name: input.hostname, kind: input.kind ?? 'computer', serialNumber: input.serialNumber, os: input.os },
        { source: 'installer', installerTokenId: token.id },
      );
      await transact([use, ...newRecordItems(kind, record), claimSerialItem(token.companyId, serial, record.id, guard?.assetId)]);
      return { created: true, assetId: record.id };
    }, retryPolicies.hotItem);
  } catch (err) {
    throw asRefusal(err);
  }
};
