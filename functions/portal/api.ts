/** The portal area's function. The client portal's signed-in routes (portal pool): the routes with `area: 'portal'` in shared/routes.ts. */
import { areaDispatcher } from '../dispatch';

export const handler = areaDispatcher('portal', {
  'functions/portal/get-me.ts': () => import('./get-me'),
  'functions/portal/list-portal-tickets.ts': () => import('./list-portal-tickets'),
  'functions/portal/create-portal-ticket.ts': () => import('./create-portal-ticket'),
  'functions/portal/get-portal-ticket.ts': () => import('./get-portal-ticket'),
  'functions/portal/add-portal-comment.ts': () => import('./add-portal-comment'),
  'functions/portal/list-portal-invoices.ts': () => import('./list-portal-invoices'),
});
