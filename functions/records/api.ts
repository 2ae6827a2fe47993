/** The records area's function. Related records (tickets, assets, invoices), invoice actions (send, payments, void), ticket comments and time entries: the routes with `area: 'records'` in shared/routes.ts. */
import { areaDispatcher } from '../dispatch';

export const handler = areaDispatcher('records', {
  'functions/records/create-ticket.ts': () => import('./create-ticket'),
  'functions/records/list-tickets.ts': () => import('./list-tickets'),
  'functions/records/get-ticket.ts': () => import('./get-ticket'),
  'functions/records/update-ticket.ts': () => import('./update-ticket'),
  'functions/records/create-asset.ts': () => import('./create-asset'),
  'functions/records/list-assets.ts': () => import('./list-assets'),
  'functions/records/get-asset.ts': () => import('./get-asset'),
  'functions/records/update-asset.ts': () => import('./update-asset'),
  'functions/records/create-invoice.ts': () => import('./create-invoice'),
  'functions/records/list-invoices.ts': () => import('./list-invoices'),
  'functions/records/get-invoice.ts': () => import('./get-invoice'),
  'functions/records/update-invoice.ts': () => import('./update-invoice'),
  'functions/invoices/send-invoice.ts': () => import('../invoices/send-invoice'),
  'functions/invoices/record-invoice-payment.ts': () => import('../invoices/record-invoice-payment'),
  'functions/invoices/void-invoice.ts': () => import('../invoices/void-invoice'),
  'functions/comments/list-ticket-comments.ts': () => import('../comments/list-ticket-comments'),
  'functions/comments/add-ticket-comment.ts': () => import('../comments/add-ticket-comment'),
  'functions/time-entries/list-time-entries.ts': () => import('../time-entries/list-time-entries'),
  'functions/time-entries/create-time-entry.ts': () => import('../time-entries/create-time-entry'),
  'functions/time-entries/update-time-entry.ts': () => import('../time-entries/update-time-entry'),
  'functions/time-entries/delete-time-entry.ts': () => import('../time-entries/delete-time-entry'),
});
