/**
 * A company's client settings as the company item holds them (`settings`, a map), read by the
 * services that follow them: a ticket's SLA policy and hours (shared/sla/ticket-sla.ts), a new
 * ticket's queue and technician (`ticket-assignment.ts`), the portal's categories and sections
 * (shared/portal), and the notifier's rules. Zod-free, so those read paths load no schema.
 */
import type { Hours } from '../sla/business-time';

export const NOTIFICATION_EVENTS = ['ticket.created', 'ticket.updated', 'ticket.resolved', 'invoice.sent', 'contract.renewing'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export const NOTIFY_AUDIENCES = ['primary', 'billing', 'all'] as const;
export type Notify = (typeof NOTIFY_AUDIENCES)[number] | { contactIds: string[] };

/** What the company item's `settings` map holds (the rest of the resource is the company's own fields). */
export interface StoredSettings {
  slaPolicyId: string | null;
  businessHours: Hours | null;
  portal: { ticketCategories: string[] | null; showInvoices: boolean; showKnowledgeBase: boolean };
  notificationRules: { event: NotificationEvent; notify: Notify }[];
  afterHoursRate: string | null;
  autoAssignment: { queue: string | null; technicianId: string | null } | null;
}

export const DEFAULT_SETTINGS: StoredSettings = {
  slaPolicyId: null,
  businessHours: null,
  portal: { ticketCategories: null, showInvoices: true, showKnowledgeBase: true },
  notificationRules: [],
  afterHoursRate: null,
  autoAssignment: null,
};

/** The settings a company item holds, with the defaults for what it lacks (a company from before settings has none). */
export const settingsOf = (companyItem: Record<string, unknown> | undefined): StoredSettings => {
  const s = (companyItem?.settings ?? {}) as Partial<StoredSettings>;
  return { ...DEFAULT_SETTINGS, ...s, portal: { ...DEFAULT_SETTINGS.portal, ...s.portal } };
};
