/**
 * Auto-assignment (client settings `autoAssignment`): a new ticket sent without a `queue` or an
 * `assigneeId` takes the company's, whichever way it came in (staff, portal, inbound mail: all
 * create through the generic record service). A value sent, even `null`, is the sender's choice.
 */
import type { RecordHook } from '../records/record.hooks';
import { settingsOf } from './client-settings';

export const ticketAssignment: RecordHook = {
  async prepare({ before, input, company }) {
    if (before || (input.queue !== undefined && input.assigneeId !== undefined)) return { items: [] };
    const auto = settingsOf(await company()).autoAssignment;
    if (!auto) return { items: [] };
    const set: Record<string, unknown> = {};
    if (input.queue === undefined && auto.queue) set.queue = auto.queue;
    if (input.assigneeId === undefined && auto.technicianId) set.assigneeId = auto.technicianId;
    return { set, items: [] };
  },
};
