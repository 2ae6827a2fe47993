/**
 * QuickBooks Online rules: connecting (authorization code with a signed, expiring state; tokens
 * stored encrypted), linking a company to a customer (existing, or created under the company's
 * name; one company per customer; never while archived), and the customer's (de)activation
 * that follows archive, restore and permanent delete, whose outcome lands on the company and
 * never fails the lifecycle change itself.
 */
import { createHash } from 'node:crypto';
import { appendAudit } from '../audit/audit.repository';
import { companyArchived, getCompany } from '../companies/company.repository';
import type { Company } from '../companies/company.schema';
import { verify } from '../crypto/signing';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { ApiError, BadRequestError, ConflictError, NotFoundError, ThrottledError, ValidationError } from '../http/errors';
import { retryOnStaleRead } from '../db/optimistic';
import { logger } from '../logger';
import { queues } from '../queues';
import {
  oauthClient,
  oauthErrorCode,
  QuickBooksAuthorizationLost,
  QuickBooksClient,
  QuickBooksFault,
  QuickBooksNotConnected,
  QuickBooksThrottled,
  tokensFrom,
} from './quickbooks.client';
import { getCompanyLinkState, getCustomerLinkOwner, linkCompanyItems, putConnection, recordSyncOutcome, type SyncOutcome } from './quickbooks.repository';
import type { QuickBooksSyncMessage } from './quickbooks-sync.schema';
import { STATE_PURPOSE } from './quickbooks.connect-url';
import { oauthState, type LinkCompanyInput, type QbCustomer } from './quickbooks.schema';

/** What an HTTP request may spend on QuickBooks (the route's function has 10 s). */
const HTTP_BUDGET_MS = 7_000;

// ── Connect (the authorize URL is in quickbooks.connect-url.ts) ──────────────────────────

interface CallbackInput {
  code?: string;
  state?: string;
  realmId?: string;
  error?: string;
}

const invalidState = () => new BadRequestError('INVALID_STATE', 'The connect link is invalid or has expired; start connecting QuickBooks again.');

/** Intuit's redirect: the state first (forged or expired: refused), then the outcome. */
export const completeConnect = async (input: CallbackInput): Promise<{ realmId: string }> => {
  const parsed = input.state ? oauthState.safeParse(await verify(STATE_PURPOSE, input.state)) : undefined;
  if (!parsed?.success || parsed.data.exp < Date.now()) throw invalidState();
  if (input.error === 'access_denied') throw new BadRequestError('QUICKBOOKS_ACCESS_DENIED', 'The QuickBooks connection was declined.');
  if (input.error) throw new BadRequestError('QUICKBOOKS_AUTHORIZATION_FAILED', `QuickBooks did not authorize the connection (${input.error}).`);
  if (!input.code || !input.realmId) {
    throw new ValidationError([
      ...(input.code ? [] : [{ in: 'query' as const, path: 'code', message: 'Required' }]),
      ...(input.realmId ? [] : [{ in: 'query' as const, path: 'realmId', message: 'Required' }]),
    ]);
  }
  const client = await oauthClient();
  try {
    await client.createToken(`?${new URLSearchParams({ code: input.code, state: input.state!, realmId: input.realmId })}`);
  } catch (err) {
    const code = oauthErrorCode(err);
    logger.warn('QuickBooks code exchange refused', { oauthError: code });
    if (code === 'invalid_grant' || code === 'invalid_request') throw new BadRequestError('QUICKBOOKS_AUTHORIZATION_FAILED', 'QuickBooks refused the authorization code; connect again.');
    throw new Error(`QuickBooks code exchange failed (${code ?? 'no answer'})`);
  }
  await putConnection(input.realmId, tokensFrom(client.getToken()), { sub: parsed.data.sub, email: parsed.data.email });
  logger.info('QuickBooks connected', { realmId: input.realmId, by: parsed.data.sub });
  return { realmId: input.realmId };
};

// ── Link ─────────────────────────────────────────────────────────────────────────────────

const notConnected = () => new ConflictError('QUICKBOOKS_NOT_CONNECTED', 'QuickBooks is not connected; an admin must connect it first.');

/** QuickBooks trouble on an HTTP request, as the API answers it. */
const toApiError = (err: unknown): unknown => {
  if (err instanceof QuickBooksNotConnected) return notConnected();
  if (err instanceof QuickBooksAuthorizationLost) return new ConflictError('QUICKBOOKS_NOT_CONNECTED', err.message);
  if (err instanceof QuickBooksThrottled) return new ThrottledError();
  if (err instanceof QuickBooksFault) return new BadRequestError('QUICKBOOKS_REJECTED', `QuickBooks refused the request: ${err.reason}`);
  return err;
};

/** A create retried for the same company and name returns the customer QuickBooks made the first time. */
const createRequestId = (companyId: string, name: string) => `clientele-${createHash('sha256').update(`${companyId}\n${name}`).digest('hex').slice(0, 32)}`;

const findOrCreateCustomer = async (qb: QuickBooksClient, company: Company, input: LinkCompanyInput): Promise<QbCustomer> => {
  if (input.customerId) {
    try {
      return await qb.readCustomer(input.customerId);
    } catch (err) {
      if (err instanceof QuickBooksFault && err.code === '610') {
        throw new BadRequestError('QUICKBOOKS_CUSTOMER_NOT_FOUND', `QuickBooks has no customer with the Id ${input.customerId}.`, [{ path: 'customerId', message: 'Unknown QuickBooks customer' }]);
      }
      throw err;
    }
  }
  try {
    return await qb.createCustomer(company.name, createRequestId(company.id, company.name));
  } catch (err) {
    if (err instanceof QuickBooksFault && err.code === '6240') {
      throw new ConflictError('QUICKBOOKS_NAME_CONFLICT', `QuickBooks already has a customer, vendor or employee named "${company.name}"; link that customer by its Id instead.`);
    }
    throw err;
  }
};

/**
 * Links a company to an existing QuickBooks customer (`customerId`) or to a new one named after
 * it. Refused while archived, before QuickBooks is touched and again in the write.
 */
export const linkCompany = async (caller: Caller, id: string, input: LinkCompanyInput): Promise<Company> => {
  const first = await getCompany(id, true);
  if (!first) throw new NotFoundError('company');
  if (first.status === 'archived') throw companyArchived();
  const current = first.integrations?.quickbooks;
  // A create retried after it succeeded: the company is linked already.
  if (!input.customerId && current) return first;

  let qb: QuickBooksClient;
  let customer: QbCustomer;
  try {
    qb = await QuickBooksClient.open(Date.now() + HTTP_BUDGET_MS);
    customer = await findOrCreateCustomer(qb, first, input);
  } catch (err) {
    throw toApiError(err);
  }

  return retryOnStaleRead(async () => {
    const before = (await getCompany(id, true)) ?? null;
    if (!before) throw new NotFoundError('company');
    if (before.status === 'archived') throw companyArchived();
    const state = await getCompanyLinkState(id);
    const link = { customerId: customer.Id, active: customer.Active ?? true, syncStatus: 'synced' as const, lastError: null };
    const was = before.integrations?.quickbooks ?? null;
    if (was && JSON.stringify(was) === JSON.stringify(link) && state?.realmId === qb.realmId) return before;

    const owner = await getCustomerLinkOwner(qb.realmId, customer.Id);
    let takeOverFrom: string | undefined;
    if (owner && owner !== id) {
      if (await getCompany(owner, true)) throw new ConflictError('QUICKBOOKS_CUSTOMER_LINKED', `QuickBooks customer ${customer.Id} is linked to another company (${owner}).`);
      takeOverFrom = owner; // that company was deleted
    }
    const now = new Date().toISOString();
    const after: Company = { ...before, integrations: { m365: before.integrations?.m365 ?? null, quickbooks: link }, version: before.version + 1, updatedAt: now };
    await transact([
      ...linkCompanyItems(before, after, qb.realmId, state?.realmId ?? null, takeOverFrom),
      appendAudit({ companyId: id, actor: caller, action: 'company.integration_linked', changes: { 'integrations.quickbooks': { from: was, to: link } }, at: now }),
    ]);
    return after;
  });
};

// ── Customer (de)activation ─────────────────────────────────────────────────────────────

const MAX_RECEIVES = queues.find((q) => q.name === 'quickbooks-sync')!.maxReceiveCount;

export interface SyncContext {
  /** Epoch ms by which the work must be done (the Lambda's remaining time). */
  deadline: number;
  /** SQS's delivery count of this message. */
  receiveCount: number;
}

/** What a failure that may pass (throttling, QuickBooks or the network down) does: redelivery, until the last one. */
class Transient extends Error {
  constructor(readonly reason: string, readonly original: unknown) {
    super(reason);
  }
}

/**
 * A QuickBooks failure as a worker's final outcome: a refusal, a lost connection or an API
 * error ends with its reason; throttling and outages throw `Transient` (redelivered by SQS).
 */
const failedOutcome = (err: unknown): { ok: false; error: string } => {
  if (err instanceof QuickBooksFault) return { ok: false, error: err.reason };
  if (err instanceof QuickBooksNotConnected || err instanceof QuickBooksAuthorizationLost) return { ok: false, error: err.message };
  if (err instanceof QuickBooksThrottled) throw new Transient('QuickBooks kept answering 429 (rate limit).', err);
  if (err instanceof ApiError) return { ok: false, error: err.message };
  throw new Transient('QuickBooks could not be reached.', err);
};

/**
 * Runs a worker's QuickBooks work: its result, or the failure as `{ ok: false, error }`; a
 * transient failure is thrown (SQS delivers the message again) until the last delivery, which
 * ends as failed instead of reaching the dead-letter queue unrecorded.
 */
export const quickBooksWork = async <T>(ctx: SyncContext, work: () => Promise<T>): Promise<T | { ok: false; error: string }> => {
  try {
    try {
      return await work();
    } catch (err) {
      return failedOutcome(err);
    }
  } catch (err) {
    if (!(err instanceof Transient) || ctx.receiveCount < MAX_RECEIVES) throw err instanceof Transient ? err.original : err;
    return { ok: false, error: err.reason };
  }
};

const syncInQuickBooks = (customerId: string, active: boolean, linkedRealm: string | null, ctx: SyncContext): Promise<SyncOutcome> =>
  quickBooksWork(ctx, async (): Promise<SyncOutcome> => {
    const qb = await QuickBooksClient.open(ctx.deadline);
    if (linkedRealm && linkedRealm !== qb.realmId) return { ok: false, error: 'The company was linked in another QuickBooks company; link it again.' };
    const customer = await qb.setCustomerActive(customerId, active);
    return { ok: true, active: customer.Active ?? true };
  });

/**
 * Brings the customer to the company's current state: `Active=false` while archived or after a
 * permanent delete, `true` while active (so messages may arrive in any order or twice). A
 * refusal ends as `failed` with QuickBooks' reason; throttling and outages are retried by SQS,
 * and end as `failed` on the last delivery.
 */
export const syncCustomer = async (message: QuickBooksSyncMessage, ctx: SyncContext): Promise<void> => {
  const log = { companyId: message.companyId, customerId: message.customerId, action: message.action, reason: message.reason, messageId: message.id };
  const state = await getCompanyLinkState(message.companyId);
  if (state && state.link?.customerId !== message.customerId) {
    logger.info('QuickBooks sync skipped: the company is no longer linked to this customer', log);
    return;
  }
  if (!state && message.action !== 'deactivate') {
    logger.info('QuickBooks sync skipped: the company no longer exists', log);
    return;
  }
  const active = state ? state.status === 'active' : false;

  const outcome = await syncInQuickBooks(message.customerId, active, state?.realmId ?? null, ctx);

  if (!state) {
    // Permanent delete: best effort, nothing left to record it on.
    logger.info('QuickBooks deactivation after permanent delete', { ...log, outcome: outcome.ok ? 'synced' : 'failed', error: outcome.ok ? null : outcome.error });
    return;
  }
  const recorded = await recordSyncOutcome(message.companyId, message.customerId, state.status, outcome);
  if (!recorded) logger.info('QuickBooks sync outcome not recorded: the company changed or was deleted meanwhile', log);
  else if (!outcome.ok) logger.warn('QuickBooks sync failed', { ...log, error: outcome.error });
};
