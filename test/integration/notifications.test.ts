/**
 * Client notifications (API.md v1.1 "Client settings": notification rules) through the real
 * parts: a change writes its event to the outbox in its own transaction, the relay puts it on
 * the `events` queue (fauxqs), the notifier worker mails the recipients its company's rules
 * name through the `mail` queue and aws-ses-v2-local, and the log shows who was told and who
 * was skipped and why. A redelivered event mails nobody twice.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as mailHandler } from '../../functions/mail/send-mail';
import { handler as notifyHandler } from '../../functions/notifications/notify';
import { handler as mailEventHandler } from '../../functions/mail/record-mail-event';
import { startSes } from '../../infra/local/engines/ses';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { ENV, resetEnvCache } from '../../shared/env';
import { resetMailClient } from '../../shared/mail/mail.service';
import { call, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true });

let ses: { endpoint: string; stop: () => Promise<void> };
beforeAll(async () => {
  ses = await startSes({ port: 0 });
  Object.assign(process.env, { [ENV.MAIL_FROM]: 'Clientele <no-reply@clientele.local>', AWS_ENDPOINT_URL_SES: ses.endpoint });
  resetEnvCache();
  resetMailClient();
});
afterAll(async () => ses?.stop());

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;

interface StoredMail {
  subject: string;
  destination: { to: string[] };
  body: { text: string };
}
const mailTo = async (email: string): Promise<StoredMail[]> =>
  ((await (await fetch(`${ses.endpoint}/store`)).json()) as { emails: StoredMail[] }).emails.filter((m) => m.destination.to.includes(email));

/** Runs the notifier on what the events queue holds (as `event`, when given, to redeliver it), then the mail worker. */
const notify = async (event?: SQSEvent) => {
  const events = event ?? (await engines.queues.take('events'));
  if (events.Records.length) expect(await notifyHandler(events as never, lambdaContext)).toEqual({ batchItemFailures: [] });
  const mail = await engines.queues.take('mail');
  if (mail.Records.length) expect(await mailHandler(mail as never, lambdaContext)).toEqual({ batchItemFailures: [] });
  return events;
};

const company = async () => (await call({ route: 'POST /v1/companies', body: { name: unique('Notify Co') } })).body as { id: string; name: string };
const contact = async (companyId: string, more: Record<string, unknown> = {}) => {
  const first = unique('Robin').replace(/ /g, '');
  const res = await call({ route: 'POST /v1/contacts', body: { firstName: first, lastName: 'Doe', email: `${first.toLowerCase()}@client.example`, companyId } });
  expect(res.status).toBe(201);
  // A contact without an email address, as a Microsoft 365 user without a mailbox becomes one.
  if (more.email === null) await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.contact(res.body.id), UpdateExpression: 'SET email = :null', ExpressionAttributeValues: { ':null': null } }));
  return res.body as { id: string; email: string | null };
};
const rules = (companyId: string, notificationRules: unknown[]) => call({ route: 'PUT /v1/companies/{id}/settings', params: { id: companyId }, body: { notificationRules } });
const log = async (companyId: string) => (await call({ route: 'GET /v1/companies/{id}/notifications', params: { id: companyId } })).body.items as { event: string; contactId: string; status: string; reason: string | null }[];

describe('notification rules', () => {
  it('mail the contacts each rule names, skip inactive ones and ones without email visibly, and never mail an event twice', async () => {
    const co = await company();
    const primary = await contact(co.id);
    const helper = await contact(co.id);
    const away = await contact(co.id);
    const noEmail = await contact(co.id, { email: null });
    await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: co.id }, body: { contactId: primary.id } });
    await call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: away.id } });
    expect(
      (
        await rules(co.id, [
          { event: 'ticket.created', notify: 'primary' },
          { event: 'ticket.resolved', notify: 'all' },
          { event: 'ticket.updated', notify: { contactIds: [helper.id] } },
        ])
      ).status,
    ).toBe(200);
    await notify(); // nothing before the rules applied

    const t = (await call({ route: 'POST /v1/tickets', body: { companyId: co.id, subject: 'VPN is down', priority: 'high' } })).body;
    const created = await notify();
    expect(await mailTo(primary.email!)).toEqual([expect.objectContaining({ subject: `Ticket opened: VPN is down (${co.name})` })]);
    expect(await mailTo(helper.email!)).toEqual([]);

    // The same event delivered again (SQS delivers at least once): no second mail.
    await notify(created);
    expect(await mailTo(primary.email!)).toHaveLength(1);

    // An internal change (queue) tells nobody; a public staff reply and a priority change are updates.
    await call({ route: 'PATCH /v1/tickets/{id}', params: { id: t.id }, body: { queue: 'Network' } });
    await call({ route: 'POST /v1/tickets/{id}/comments', params: { id: t.id }, body: { body: 'On it', visibility: 'public' } });
    await notify();
    expect((await mailTo(helper.email!)).map((m) => m.body.text)).toEqual([expect.stringContaining('New reply from your IT provider')]);

    await call({ route: 'PATCH /v1/tickets/{id}', params: { id: t.id }, body: { status: 'resolved' } });
    await notify();
    for (const c of [primary, helper]) expect((await mailTo(c.email!)).map((m) => m.subject)).toContain(`Ticket resolved: VPN is down (${co.name})`);
    expect(await mailTo(away.email!)).toEqual([]);

    const resolved = (await log(co.id)).filter((e) => e.event === 'ticket.resolved');
    expect(resolved).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ contactId: primary.id, status: 'sent', reason: null }),
        expect.objectContaining({ contactId: helper.id, status: 'sent' }),
        expect.objectContaining({ contactId: away.id, status: 'skipped', reason: 'inactive' }),
        expect.objectContaining({ contactId: noEmail.id, status: 'skipped', reason: 'no_email' }),
      ]),
    );
    expect(resolved).toHaveLength(4);
  });

  it('tell the billing contact of a sent invoice only once (the invoice mail), and others by their rule', async () => {
    const co = await company();
    const billing = await contact(co.id);
    const owner = await contact(co.id);
    await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: co.id }, body: { contactId: billing.id } });
    await rules(co.id, [{ event: 'invoice.sent', notify: { contactIds: [billing.id, owner.id] } }]);
    const invoice = (await call({ route: 'POST /v1/invoices', body: { companyId: co.id, number: unique('INV'), total: '100.00' } })).body;
    expect((await call({ route: 'POST /v1/invoices/{id}/send', params: { id: invoice.id } })).status).toBe(200);
    await notify();
    expect(await mailTo(billing.email!)).toHaveLength(1); // the invoice itself
    expect((await mailTo(owner.email!)).map((m) => m.subject)).toEqual([expect.stringContaining('New invoice')]);
    expect(await log(co.id)).toEqual(expect.arrayContaining([expect.objectContaining({ contactId: billing.id, status: 'skipped', reason: 'already_mailed' })]));
  });

  it('are listed for a company that exists only', async () => {
    expect((await call({ route: 'GET /v1/companies/{id}/notifications', params: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).status).toBe(404);
  });

  it('tell an archived company nothing', async () => {
    const co = await company();
    const c = await contact(co.id);
    await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: co.id }, body: { contactId: c.id } });
    await rules(co.id, [{ event: 'ticket.created', notify: 'primary' }]);
    await call({ route: 'POST /v1/tickets', body: { companyId: co.id, subject: 'Last one' } });
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id }, body: {} });
    await notify();
    expect(await mailTo(c.email!)).toEqual([]);
    expect(await log(co.id)).toEqual([]);
  });
});

describe("the health score's communications", () => {
  const communications = async (companyId: string) =>
    (await call({ route: 'GET /v1/companies/{id}/health', params: { id: companyId } })).body.components.find((c: { key: string }) => c.key === 'communications');
  /** SES's event as SNS delivers it to the mail-events queue (the envelope around the event). */
  const sesEvent = (eventType: string, companyId: string | null, more: Record<string, unknown> = {}) => ({
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:MailEvents',
    Message: JSON.stringify({
      eventType,
      mail: { timestamp: new Date().toISOString(), messageId: `ses-${crypto.randomUUID()}`, source: 'no-reply@clientele.local', destination: ['x@client.example'], tags: companyId ? { companyId: [companyId] } : {} },
      ...more,
    }),
  });
  const deliver = async (...bodies: unknown[]) => {
    for (const b of bodies) await engines.queues.send('mail-events', b);
    expect(await engines.queues.deliver('mail-events', (e) => mailEventHandler(e as never, lambdaContext) as Promise<unknown>)).toBe(bodies.length);
  };

  it('counts the mail sent to a company, and the hard bounces and complaints SES reports of it, once each', async () => {
    const co = await company();
    const c = await contact(co.id);
    await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: co.id }, body: { contactId: c.id } });
    expect(await communications(co.id)).toMatchObject({ score: null });
    await rules(co.id, [{ event: 'ticket.created', notify: 'primary' }]);
    for (const subject of ['One', 'Two', 'Three', 'Four']) await call({ route: 'POST /v1/tickets', body: { companyId: co.id, subject } });
    await notify();
    expect(await communications(co.id)).toMatchObject({ score: 100, reasons: ['4 emails sent this month and last', '0 hard bounces', '0 complaints'] });

    const bounce = sesEvent('Bounce', co.id, { bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: c.email }] } });
    // The same event twice (SNS and SQS deliver at least once), a soft bounce, a delivery and mail to no company count nothing more.
    await deliver(bounce, bounce, sesEvent('Bounce', co.id, { bounce: { bounceType: 'Transient' } }), sesEvent('Delivery', co.id), sesEvent('Bounce', null, { bounce: { bounceType: 'Permanent' } }));
    expect(await communications(co.id)).toMatchObject({ score: 50, reasons: ['4 emails sent this month and last', '1 hard bounce', '0 complaints'] });
    await deliver(sesEvent('Complaint', co.id, { complaint: { complainedRecipients: [{ emailAddress: c.email }] } }));
    expect((await communications(co.id)).reasons[2]).toBe('1 complaint');

    // An archived company's figures stay as they are.
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id }, body: {} });
    await deliver(sesEvent('Complaint', co.id));
    expect((await communications(co.id)).reasons[2]).toBe('1 complaint');
  });
});
