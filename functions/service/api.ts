/** The service area's function. SLA policies and the MSP-wide settings (and, as they land, onboarding, health and the Client 360): the routes with `area: 'service'` in shared/routes.ts. */
import { areaDispatcher } from '../dispatch';

export const handler = areaDispatcher('service', {
  'functions/sla/list-sla-policies.ts': () => import('../sla/list-sla-policies'),
  'functions/sla/create-sla-policy.ts': () => import('../sla/create-sla-policy'),
  'functions/sla/get-sla-policy.ts': () => import('../sla/get-sla-policy'),
  'functions/sla/update-sla-policy.ts': () => import('../sla/update-sla-policy'),
  'functions/sla/delete-sla-policy.ts': () => import('../sla/delete-sla-policy'),
  'functions/settings/get-msp-settings.ts': () => import('../settings/get-msp-settings'),
  'functions/settings/put-msp-settings.ts': () => import('../settings/put-msp-settings'),
});
