/**
 * `PUT /v1/external/{system}/contacts/{externalId}`: a contact upserted by an outside system's
 * id (shared/crm/upsert.ts), through the contact's own create and change items (email guard,
 * search tokens, its companies' counters and guards), with its link and the `syncedFrom`
 * marker in the same transaction. Its company is named by our id or by the same system's
 * company id. A field the body leaves out keeps its value.
 */
import { getContact, contactIdByEmail, toContact, type ContactRecord } from '../contacts/contact.repository';
import type { Contact, UpsertExternalContactInput } from '../contacts/contact.schema';
import { changeContactItems, createContactItems, followEmailChange, newContact } from '../contacts/contact.service';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { BadRequestError, ConflictError } from '../http/errors';
import { getExternalLink } from './external-link.repository';
import { upsertByExternalId, withLink, writeUpsert, type Upserted } from './upsert';

/** `companyExternalId` as our company id, through the same system's company link (`400 UNKNOWN_COMPANY`); neither sent: nothing. */
const resolveCompany = async (system: string, input: UpsertExternalContactInput): Promise<{ companyId?: string | null }> => {
  if (input.companyExternalId === undefined) return input.companyId === undefined ? {} : { companyId: input.companyId };
  const companyId = await getExternalLink(system, 'COMPANY', input.companyExternalId);
  if (!companyId) throw new BadRequestError('UNKNOWN_COMPANY', `No company is linked to the ${system} id ${input.companyExternalId}.`, [{ path: 'companyExternalId', message: 'Unknown company' }]);
  return { companyId };
};

export const upsertExternalContact = async (caller: Caller, system: string, externalId: string, input: UpsertExternalContactInput): Promise<Upserted<Contact>> => {
  const { companyExternalId: _byExternalId, ...fields } = input;
  let emailChange: [ContactRecord, ContactRecord] | undefined;
  const marker = (version: number) => ({ system, version });
  const { created, record } = await upsertByExternalId<ContactRecord>(
    { system, kind: 'CONTACT', externalId },
    {
      get: (id) => getContact(id, true),
      naturalKeyOwner: () => contactIdByEmail(fields.email, true),
      taken: () => new ConflictError('CONTACT_EMAIL_TAKEN', `A contact with the email ${fields.email} exists and is linked to another ${system} id.`),
      create: async (link) => {
        const company = await resolveCompany(system, input);
        const contact: ContactRecord = { ...newContact({ ...fields, ...company }, new Date().toISOString()), externalIds: { [system]: externalId } };
        contact.syncedFrom = marker(contact.version);
        await transact([link(contact.id), ...createContactItems(contact)]);
        return contact;
      },
      update: async (target, link) => {
        const wanted = { ...fields, ...(await resolveCompany(system, input)) };
        const set = { externalIds: withLink(target.externalIds, system, externalId), syncedFrom: marker(target.version + 1) };
        const change = await changeContactItems(caller, target, wanted, new Date().toISOString(), { set, compared: ['externalIds'] });
        await writeUpsert(link, change?.items);
        if (change) emailChange = [target, change.after];
        return change?.after ?? target;
      },
    },
  );
  if (emailChange) await followEmailChange(...emailChange);
  return { created, record: toContact(record) };
};
