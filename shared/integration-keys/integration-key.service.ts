/**
 * Integration keys: how a tool (an RMM, EDR or backup product) calls the few routes that take
 * one (`integrationKeys` in shared/routes.ts: today `POST /v1/companies/{id}/signals`), since a
 * machine cannot sign in to the staff pool (MFA). A key is `clk_<id>_<secret>`, shown once;
 * it has scopes, expires (a year by default, two at most) and is revoked at once by `DELETE`.
 */
import { ulid } from 'ulid';
import { newSecretToken, parseSecretToken, secretMatches } from '../crypto/secret-token';
import { transact } from '../db/transact';
import { NotFoundError } from '../http/errors';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import type { IntegrationScope } from '../routes';
import type { CreateIntegrationKeyInput, IntegrationKey } from './integration-key.schema';
import {
  AlreadyRevoked,
  getIntegrationKey,
  listIntegrationKeys,
  putNewIntegrationKey,
  revokeIntegrationKeyItem,
  toIntegrationKey,
  touchIntegrationKey,
  type StoredIntegrationKey,
} from './integration-key.repository';

/** The keys' prefix: `clk_<id>_<secret>` (shared/crypto/secret-token.ts). */
const PREFIX = 'clk';
const DAY_MS = 24 * 60 * 60 * 1000;
/** How often a key's `lastUsedAt` is written at most. */
const TOUCH_EVERY_MS = 5 * 60 * 1000;

export const createIntegrationKey = async (input: CreateIntegrationKeyInput, createdBy: string, idempotency?: IdempotencyContext): Promise<IntegrationKey & { key: string }> => {
  const id = ulid();
  const { token: key, secretHash, hint } = newSecretToken(PREFIX, id);
  const now = new Date();
  const stored: StoredIntegrationKey = {
    id,
    name: input.name,
    scopes: input.scopes,
    hint,
    createdAt: now.toISOString(),
    createdBy,
    expiresAt: new Date(now.getTime() + input.expiresInDays * DAY_MS).toISOString(),
    revokedAt: null,
    lastUsedAt: null,
    secretHash,
  };
  const resource = toIntegrationKey(stored);
  // An Idempotency-Key replay answers without the key: the table never holds it.
  await transact([...recordIdempotent(idempotency, { status: 201, body: resource, headers: { location: `/v1/integration-keys/${id}` } }), putNewIntegrationKey(stored)]);
  return { ...resource, key };
};

export const integrationKeys = async (limit: number, cursor?: string): Promise<Page<IntegrationKey>> => {
  const page = await listIntegrationKeys(limit, cursor);
  return { items: page.items.map(toIntegrationKey), nextCursor: page.nextCursor };
};

/** Revokes the key at once; revoking a revoked key changes nothing. */
export const revokeIntegrationKey = async (id: string): Promise<void> => {
  try {
    await transact([revokeIntegrationKeyItem(id, new Date().toISOString())]);
  } catch (err) {
    if (!(err instanceof AlreadyRevoked)) throw err;
  }
};

export interface KeyHolder {
  id: string;
  name: string;
  scopes: IntegrationScope[];
}

/** The key's holder if `token` is a live key (well-formed, known, the secret matching, not revoked, not expired); else undefined. */
export const authenticateIntegrationKey = async (token: string, now = new Date()): Promise<KeyHolder | undefined> => {
  const parsed = parseSecretToken(PREFIX, token);
  if (!parsed) return undefined;
  const stored = await getIntegrationKey(parsed.id);
  if (!stored || !secretMatches(parsed.secret, stored.secretHash)) return undefined;
  if (stored.revokedAt || Date.parse(stored.expiresAt) <= now.getTime()) return undefined;
  await touchIntegrationKey(stored.id, now, TOUCH_EVERY_MS);
  return { id: stored.id, name: stored.name, scopes: stored.scopes };
};

export const findIntegrationKey = async (id: string): Promise<IntegrationKey> => {
  const k = await getIntegrationKey(id);
  if (!k) throw new NotFoundError('integration key');
  return toIntegrationKey(k);
};
