/** The service area's function. SLA policies, the MSP-wide settings, health scores and signals, onboarding and the Client 360, webhook subscriptions, integration keys: the routes with `area: 'service'` in shared/routes.ts. */
import { areaDispatcher } from '../dispatch';

export const handler = areaDispatcher('service', {
  'functions/sla/list-sla-policies.ts': () => import('../sla/list-sla-policies'),
  'functions/sla/create-sla-policy.ts': () => import('../sla/create-sla-policy'),
  'functions/sla/get-sla-policy.ts': () => import('../sla/get-sla-policy'),
  'functions/sla/update-sla-policy.ts': () => import('../sla/update-sla-policy'),
  'functions/sla/delete-sla-policy.ts': () => import('../sla/delete-sla-policy'),
  'functions/health/get-company-health.ts': () => import('../health/get-company-health'),
  'functions/health/list-health-history.ts': () => import('../health/list-health-history'),
  'functions/health/post-signal.ts': () => import('../health/post-signal'),
  'functions/overview/get-onboarding.ts': () => import('../overview/get-onboarding'),
  'functions/overview/get-overview.ts': () => import('../overview/get-overview'),
  'functions/settings/get-msp-settings.ts': () => import('../settings/get-msp-settings'),
  'functions/settings/put-msp-settings.ts': () => import('../settings/put-msp-settings'),
  'functions/webhooks/list-webhooks.ts': () => import('../webhooks/list-webhooks'),
  'functions/webhooks/create-webhook.ts': () => import('../webhooks/create-webhook'),
  'functions/webhooks/get-webhook.ts': () => import('../webhooks/get-webhook'),
  'functions/webhooks/update-webhook.ts': () => import('../webhooks/update-webhook'),
  'functions/webhooks/delete-webhook.ts': () => import('../webhooks/delete-webhook'),
  'functions/webhooks/list-deliveries.ts': () => import('../webhooks/list-deliveries'),
  'functions/integration-keys/list-integration-keys.ts': () => import('../integration-keys/list-integration-keys'),
  'functions/integration-keys/create-integration-key.ts': () => import('../integration-keys/create-integration-key'),
  'functions/integration-keys/revoke-integration-key.ts': () => import('../integration-keys/revoke-integration-key'),
});
