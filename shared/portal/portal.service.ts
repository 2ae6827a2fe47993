/**
 * Portal access: invitations and password resets by emailed single-use links, the set-up that
 * redeems them, the login check the Cognito triggers run, and the guard every portal request
 * passes (contact active, company not archived: read in one request, on every call).
 *
 * Identity: a portal user is bound to its contact by the user's immutable Cognito `sub`, which
 * only the server writes (at invite, or when a link of a contact invited before the binding is
 * redeemed). Logins resolve the contact from `PORTALUSER#<sub>` alone and every portal request
 * checks that the token's `sub` is the contact's; nothing on these paths looks at an email or at
 * an attribute the user can write.
 */
import { settingsOf } from '../settings/client-settings';
import { getMspSettings } from '../settings/msp-settings';
import { companyArchived, companyReference, getCompany, getCompanyItem } from '../companies/company.repository';
import type { Company } from '../companies/company.schema';
import { contactIdByEmail, getContact, setContactPortal, toContact, type ContactRecord } from '../contacts/contact.repository';
import type { Contact } from '../contacts/contact.schema';
import { retryPolicies } from '../db/retry';
import { transact, type TxItem } from '../db/transact';
import { ENV, requireEnv } from '../env';
import type { Caller } from '../http/caller';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, StaleReadError, UnauthorizedError } from '../http/errors';
import { retryOnStaleRead } from '../db/optimistic';
import { mailItem } from '../mail/mail.service';
import { enqueueNow } from '../outbox/outbox';
import {
  claimToken,
  consumeToken,
  contactIdBySub,
  countResetMail,
  deletePortalUser,
  deleteToken,
  getContactAndCompany,
  hashToken,
  newToken,
  putPortalUser,
  releaseToken,
  ResetQuotaReached,
  TOKEN_TTL_SECONDS,
  type TokenPurpose,
} from './portal.repository';
import type { PortalRequest } from './portal.schema';
import { portalUsers, type PortalUser } from './portal-users';

export const PORTAL_PAUSED_TITLE = 'Portal access is paused';
export const CONTACT_INACTIVE_MESSAGE = 'Your portal access has been deactivated. Please contact your IT provider.';
export const PORTAL_NOT_LINKED_MESSAGE = 'Your portal account is not linked to a contact. Ask your IT provider for a new invitation.';

const contactInactive = () => new ConflictError('CONTACT_INACTIVE', 'The contact is inactive; activate it first.');

const link = (purpose: TokenPurpose, token: string) => {
  const base = requireEnv(ENV.PORTAL_URL).replace(/\/$/, '');
  return `${base}/${purpose === 'setup' ? 'setup' : 'reset-password'}?token=${encodeURIComponent(token)}`;
};

const mailFor = (purpose: TokenPurpose, contact: ContactRecord, companyName: string, token: string) => {
  const hours = TOKEN_TTL_SECONDS / 3600;
  const url = link(purpose, token);
  return purpose === 'setup'
    ? {
        subject: `Your ${companyName} support portal account`,
        text: `Hello ${contact.firstName},\n\nYou have been invited to the support portal for ${companyName}, where you can raise and follow tickets and see invoices.\n\nSet your password here (the link works once, for ${hours} hours):\n${url}\n\nIf you did not expect this email you can ignore it.`,
      }
    : {
        subject: `Reset your ${companyName} support portal password`,
        text: `Hello ${contact.firstName},\n\nSomeone asked to reset your support portal password. Choose a new one here (the link works once, for ${hours} hours):\n${url}\n\nIf it was not you, ignore this email: your password stays as it is.`,
      };
};

/**
 * Stores a new link token for the contact (voiding the previous one) and the portal fields in
 * one transaction that also requires its company to be active, holds the email (outbox), and
 * `extra` items (the binding to a portal user, the reset quota).
 */
const issueLink = async (contact: ContactRecord, company: Company, purpose: TokenPurpose, portal: Partial<ContactRecord>, extra: TxItem[] = []): Promise<void> => {
  const now = new Date().toISOString();
  const { token, hash, put } = newToken(contact.id, purpose);
  const change = setContactPortal(contact, { ...portal, portalTokenHash: hash }, now);
  await transact([
    change.item,
    put,
    ...(contact.portalTokenHash ? [deleteToken(contact.portalTokenHash)] : []),
    companyReference(company.id, change.deltas, { into: true }),
    ...extra,
    (await mailItem({ to: [contact.email!], ...mailFor(purpose, contact, company.name, token), companyId: company.id })).item,
  ]);
};

/** The items that bind `sub` to the contact (the reverse item, and the old one removed when the user was replaced). */
const bindItems = (contact: ContactRecord, sub: string): TxItem[] => [
  putPortalUser(sub, contact.id),
  ...(contact.portalSub && contact.portalSub !== sub ? [deletePortalUser(contact.portalSub, contact.id)] : []),
];

const portalPaused = (detail = "Your company's portal access is paused. Please contact your IT provider.") => new ForbiddenError('PORTAL_PAUSED', PORTAL_PAUSED_TITLE, detail);

const readForLink = async (contactId: string): Promise<{ contact: ContactRecord; company: Company }> => {
  const contact = await getContact(contactId, true);
  if (!contact) throw new NotFoundError('contact');
  if (contact.status !== 'active') throw contactInactive();
  if (!contact.email) throw new ConflictError('CONTACT_HAS_NO_EMAIL', 'The contact has no email address to send the link to.');
  if (!contact.companyId) throw new ConflictError('CONTACT_HAS_NO_COMPANY', 'Only a contact of a company can use the portal; assign it to one first.');
  const company = await getCompany(contact.companyId, true);
  if (!company) throw new NotFoundError('company');
  if (company.status !== 'active') throw companyArchived();
  return { contact, company };
};

/**
 * Staff invite: a portal user without a password, and an emailed set-up link; `portal.status`
 * becomes `pending`. The user's sub is bound to the contact in the link's transaction, which
 * also binds contacts invited before the binding existed. Concurrent invites all reuse the one
 * user (its `custom:contactId` is this contact); the losers of the contact's version retry.
 */
export const inviteContact = async (contactId: string): Promise<Contact> =>
  retryOnStaleRead(async () => {
    const { contact, company } = await readForLink(contactId);
    const user: PortalUser = await portalUsers().ensure(contact.email!, contact.id);
    const now = new Date().toISOString();
    const portal = { status: contact.portal.status === 'active' ? 'active' : 'pending', invitedAt: now, activatedAt: contact.portal.activatedAt } as const;
    try {
      await issueLink(contact, company, 'setup', { portal, portalUsername: user.username, portalSub: user.sub }, bindItems(contact, user.sub));
    } catch (err) {
      if (err instanceof PreconditionFailedError) throw new StaleReadError();
      throw err;
    }
    return toContact({ ...contact, portal, version: contact.version + 1, updatedAt: now });
  }, retryPolicies.hotItem);

/** A reset link, only for a contact whose portal account is set up; `extra` joins its transaction. */
const resetLink = async (contactId: string, extra: TxItem[] = []): Promise<void> =>
  retryOnStaleRead(async () => {
    const { contact, company } = await readForLink(contactId);
    if (contact.portal.status !== 'active') throw new ConflictError('PORTAL_NOT_ACTIVE', 'The contact has not set up portal access yet; invite it instead.');
    try {
      await issueLink(contact, company, 'reset', {}, extra);
    } catch (err) {
      if (err instanceof PreconditionFailedError) throw new StaleReadError();
      throw err;
    }
  });

/** Staff-initiated reset. */
export const sendPasswordReset = (contactId: string): Promise<void> => resetLink(contactId);

/**
 * Public reset request: only recorded (one outbox item, the same write for any address), so the
 * answer takes the same time whether or not the address has an account; `carryOutPasswordReset`
 * does the rest.
 */
export const requestPasswordReset = async (email: string): Promise<void> => {
  const request: PortalRequest = { type: 'password-reset', email };
  await enqueueNow('portal-requests', request);
};

/**
 * The `portal-requests` worker's part of a public reset: the link, when a portal-active contact
 * has the email and fewer than three public reset mails went to it this hour; nothing otherwise.
 */
export const carryOutPasswordReset = async (email: string): Promise<'sent' | 'not-eligible' | 'quota-reached'> => {
  const contactId = await contactIdByEmail(email);
  if (!contactId) return 'not-eligible';
  try {
    await resetLink(contactId, [countResetMail(email)]);
    return 'sent';
  } catch (err) {
    if (err instanceof ResetQuotaReached) return 'quota-reached';
    if (err instanceof ConflictError || err instanceof NotFoundError) return 'not-eligible';
    throw err;
  }
};

/** Redeems a set-up or reset token: sets the password in Cognito and makes the portal `active`. */
export const completeSetup = async (token: string, password: string): Promise<{ email: string; portalStatus: 'active' }> => {
  const hash = hashToken(token);
  const claim = await claimToken(hash);
  const invalid = () => new BadRequestError('INVALID_TOKEN', 'This link is unknown, already used or expired. Ask for a new one.', [{ path: 'token', message: 'Invalid token' }]);
  if (!claim) throw invalid();
  try {
    const contact = await getContact(claim.contactId, true);
    // A newer invite or reset voids older links.
    if (!contact || contact.portalTokenHash !== hash || !contact.portalUsername) throw invalid();
    if (contact.status !== 'active') throw contactInactive();
    // An archived company's pending links wait for its restore: nothing is written meanwhile.
    const company = contact.companyId ? await getCompany(contact.companyId, true) : undefined;
    if (!company || company.status !== 'active') throw portalPaused();
    // A contact invited before the sub binding: bind the user the server made for it, or ask for a new invite.
    const sub = contact.portalSub ?? (await portalUsers().subOf(contact.portalUsername, contact.id));
    if (!sub) throw invalid();
    await portalUsers().setPassword(contact.portalUsername, password);
    const now = new Date().toISOString();
    const portal = { status: 'active' as const, invitedAt: contact.portal.invitedAt, activatedAt: contact.portal.activatedAt ?? now };
    // Its portal access starts: counted on its company in the same transaction (onboarding's portal step).
    const change = setContactPortal(contact, { portal, portalTokenHash: null, portalSub: sub }, now);
    await transact([
      consumeToken(hash, claim.claimedAt),
      change.item,
      ...(contact.portalSub ? [] : bindItems(contact, sub)),
      { ...companyReference(company.id, change.deltas, { into: true }), onConditionFailed: () => portalPaused() },
    ]);
    return { email: contact.email!, portalStatus: 'active' };
  } catch (err) {
    await releaseToken(hash, claim.claimedAt);
    throw err;
  }
};

export class PortalLoginRefused extends Error {}

/**
 * Whether a contact may use the portal now: the check behind every portal request and both
 * login triggers. Returns the contact and its company, or throws the reason.
 */
export const portalAccess = async (contactId: string, companyIdHint: string | undefined, sub: string): Promise<{ contact: ContactRecord; company: Company }> => {
  const read = await getContactAndCompany(contactId, companyIdHint ?? contactId);
  const contact = read.contact;
  if (!contact) throw new ForbiddenError('CONTACT_INACTIVE', 'Contact inactive', CONTACT_INACTIVE_MESSAGE);
  // The token's user must be the one the server bound to this contact (none yet: invited before the binding; another: replaced).
  if (!contact.portalSub || contact.portalSub !== sub) throw new UnauthorizedError(PORTAL_NOT_LINKED_MESSAGE);
  if (contact.status !== 'active') throw new ForbiddenError('CONTACT_INACTIVE', 'Contact inactive', CONTACT_INACTIVE_MESSAGE);
  if (!contact.companyId) throw portalPaused('You are not linked to a company any more. Please contact your IT provider.');
  // The contact moved since the token was issued: read its current company (rare).
  // As stored (its settings too), like the batch read's.
  const company = read.company?.id === contact.companyId ? read.company : ((await getCompanyItem(contact.companyId, true)) as Company | undefined);
  if (!company || company.status !== 'active') throw portalPaused();
  return { contact, company };
};

/** The portal caller's contact and company, checked on every request (the contact's bound sub is the token's). */
export const portalContext = async (caller: Caller | undefined) => {
  const contactId = caller?.claims.contactId;
  if (!caller || caller.pool !== 'portal' || !contactId) throw new UnauthorizedError('A portal token that names a contact is required (send the ID token).');
  return portalAccess(contactId, caller.claims.companyId, caller.sub);
};

/**
 * A portal read that runs beside the guard instead of after it: `read` starts at once with the
 * company the token names; if the guard finds the contact now belongs elsewhere, it runs again
 * with the current company. Nothing is returned unless the guard passed.
 */
export const withPortalContext = async <T>(caller: Caller | undefined, read: (companyId: string) => Promise<T>) => {
  const claimed = caller?.claims.companyId;
  const early = claimed ? read(claimed).then((value) => ({ value }), (error: unknown) => ({ error })) : undefined;
  const context = await portalContext(caller).catch(async (err: unknown) => {
    await early; // let the speculative read settle before answering
    throw err;
  });
  if (early && context.company.id === claimed) {
    const settled = await early;
    if ('error' in settled) throw settled.error;
    return { ...context, value: settled.value };
  }
  return { ...context, value: await read(context.company.id) };
};

/** The company's own portal settings (no MSP fallback): what shows. */
export const ownPortalSettings = (company: Company) => settingsOf(company as unknown as Record<string, unknown>).portal;

/**
 * What the company's settings let its portal show (`company` is the stored item: portalAccess);
 * its ticket categories are its own list, else the MSP's (`/v1/settings`, one GetItem read only
 * then), else none (any category).
 */
export const portalSettingsOf = async (company: Company) => {
  const portal = ownPortalSettings(company);
  if (portal.ticketCategories) return portal;
  const msp = (await getMspSettings()).categories;
  return { ...portal, ticketCategories: msp.length ? msp : null };
};

export const me = async ({ contact, company }: { contact: ContactRecord; company: Company }) => ({
  contact: toContact(contact),
  company: { id: company.id, name: company.name },
  portal: await portalSettingsOf(company),
});

/**
 * The login check of both Cognito triggers; the thrown message is what the login refusal says.
 * The contact comes from the user's `sub` through the server's binding alone: an email or a
 * custom attribute the user changed or deleted names nobody.
 */
export const checkPortalLogin = async (userAttributes: Record<string, string | undefined>): Promise<{ contactId: string; companyId: string }> => {
  const sub = userAttributes.sub;
  const contactId = sub ? await contactIdBySub(sub) : undefined;
  if (!sub || !contactId) throw new PortalLoginRefused(PORTAL_NOT_LINKED_MESSAGE);
  try {
    const { contact, company } = await portalAccess(contactId, undefined, sub);
    return { contactId: contact.id, companyId: company.id };
  } catch (err) {
    if (err instanceof UnauthorizedError) throw new PortalLoginRefused(PORTAL_NOT_LINKED_MESSAGE);
    if (err instanceof ForbiddenError) throw new PortalLoginRefused(err.title === PORTAL_PAUSED_TITLE ? PORTAL_PAUSED_TITLE : CONTACT_INACTIVE_MESSAGE);
    throw err;
  }
};
