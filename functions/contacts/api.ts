/** The contacts area's function. Contacts, and their portal users (invite, reset): the routes with `area: 'contacts'` in shared/routes.ts. */
import { areaDispatcher } from '../dispatch';

export const handler = areaDispatcher('contacts', {
  'functions/contacts/create-contact.ts': () => import('./create-contact'),
  'functions/contacts/list-contacts.ts': () => import('./list-contacts'),
  'functions/contacts/list-company-contacts.ts': () => import('./list-company-contacts'),
  'functions/contacts/get-contact.ts': () => import('./get-contact'),
  'functions/contacts/update-contact.ts': () => import('./update-contact'),
  'functions/contacts/delete-contact.ts': () => import('./delete-contact'),
  'functions/portal/invite-contact.ts': () => import('../portal/invite-contact'),
  'functions/portal/reset-contact-password.ts': () => import('../portal/reset-contact-password'),
  'functions/contacts/set-contact-status.ts': () => import('./set-contact-status'),
  'functions/contacts/upsert-external-contact.ts': () => import('./upsert-external-contact'),
});
