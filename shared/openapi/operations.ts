/**
 * Every route's request/response spec, by route key. Each capability adds its `*.api.ts` map
 * here; the OpenAPI test fails for any route in the table that has no spec.
 */
import { addressApi } from '../addresses/address.api';
import { auditApi } from '../audit/audit.api';
import { companyApi } from '../companies/company.api';
import { m365Api } from '../m365/m365.api';
import { importApi } from '../imports/import.api';
import { companyLifecycleApi } from '../companies/company-lifecycle.api';
import { complianceApi } from '../compliance/compliance.api';
import { contactApi } from '../contacts/contact.api';
import { portalApi } from '../portal/portal.api';
import { portalTicketsApi } from '../portal/portal-tickets.api';
import { commentApi } from '../comments/comment.api';
import { quickBooksApi } from '../quickbooks/quickbooks.api';
import { recordApi } from '../records/record.api';
import { timeEntryApi } from '../time-entries/time-entry.api';
import { contractApi } from '../contracts/contract.api';
import { slaPolicyApi } from '../sla/sla.api';
import { webhookApi } from '../webhooks/webhook.api';
import { integrationKeyApi } from '../integration-keys/integration-key.api';
import { installerTokenApi } from '../installer-tokens/installer-token.api';
import { settingsApi } from '../settings/settings.api';
import { notificationApi } from '../notifications/notification.api';
import { healthApi } from '../health/health.api';
import { overviewApi } from '../overview/overview.api';
import { staffApi } from '../staff/staff.api';
import { invoiceApi } from '../invoices/invoice.api';
import { billingRunApi } from '../billing-runs/billing-run.api';
import type { RequestSpec } from '../http/request';
import { openapiApi } from './openapi.api';

export const operations: Record<string, RequestSpec> = { ...companyApi, ...m365Api, ...importApi, ...companyLifecycleApi, ...complianceApi, ...addressApi, ...contactApi, ...portalApi, ...portalTicketsApi, ...commentApi, ...quickBooksApi, ...recordApi, ...invoiceApi, ...contractApi, ...slaPolicyApi, ...settingsApi, ...notificationApi, ...healthApi, ...overviewApi, ...billingRunApi, ...timeEntryApi, ...auditApi, ...staffApi, ...webhookApi, ...integrationKeyApi, ...installerTokenApi, ...openapiApi };
