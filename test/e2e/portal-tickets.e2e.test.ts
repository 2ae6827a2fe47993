/**
 * The client portal's tickets, comments and invoices, on the whole local stack, as clients use
 * it: two companies, each with a contact who set up the portal from the emailed link and logs in
 * to the portal pool; every portal route is tried with the other company's contact (404), with a
 * paused company and an inactive contact (403), and the counters are checked after each action.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PORTAL_PASSWORD, seedDemo } from '../../infra/local/seed';
import { login, startStack, type TestStack } from '../support/stack';
import { setCompanyStatus } from '../helpers/data';
import { nextOutboxToken } from '../../infra/local/engines/ses';

let stack: TestStack;
let admin: string;
let tech: string;
let techEmail: string;
beforeAll(async () => {
  stack = await startStack();
  const user = (group: string) => stack.info.users.find((u) => u.groups[0] === group)!;
  admin = (await login(stack.info, user('Admin').email, user('Admin').password, 'staff')).idToken;
  techEmail = user('Technician').email;
  tech = (await login(stack.info, techEmail, user('Technician').password, 'staff')).idToken;
});
afterAll(async () => stack?.stop());

interface Res {
  status: number;
  body: any;
  headers: Headers;
}
const api = async (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Res> => {
  const res = await fetch(`${stack.info.apiUrl}${path}`, {
    method,
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
};

const linkFor = (to: string) => nextOutboxToken(stack.info.ses.endpoint, to);

const PASSWORD = 'Portal-Pa55word!';
const run = Date.now().toString(36);

interface PortalUser {
  companyId: string;
  contactId: string;
  email: string;
  token: string;
}
/** A company and one of its contacts who accepted the invitation and logged in to the portal. */
const portalUser = async (company: string, firstName: string, lastName: string): Promise<PortalUser> => {
  const companyId = (await api('POST', '/v1/companies', { token: admin, body: { name: `${company} ${run}` } })).body.id;
  const email = `${firstName.toLowerCase()}.${run}@${company.toLowerCase()}.example`;
  const contactId = (await api('POST', '/v1/contacts', { token: tech, body: { firstName, lastName, email, companyId } })).body.id;
  expect((await api('POST', `/v1/contacts/${contactId}/invite`, { token: tech })).status).toBe(202);
  expect((await api('POST', '/v1/public/portal/setup', { body: { token: await linkFor(email), password: PASSWORD } })).status).toBe(200);
  const token = (await login(stack.info, email, PASSWORD, 'portal')).idToken;
  return { companyId, contactId, email, token };
};


const companyCounts = async (id: string) => (await api('GET', `/v1/companies/${id}`, { token: tech })).body.counts;
const contactCounts = async (id: string) => (await api('GET', `/v1/contacts/${id}`, { token: tech })).body.counts;

describe('client portal: tickets, comments and invoices', () => {
  let a: PortalUser; // Northwind's Jane
  let b: PortalUser; // Contoso's Sam
  let ticketA: any;
  let ticketB: any;
  let staffTicketA: any;
  let invoiceA: any;

  beforeAll(async () => {
    [a, b] = await Promise.all([portalUser('Northwind', 'Jane', 'Doe'), portalUser('Contoso', 'Sam', 'Lee')]);
  });

  /** Every portal route, with the ids it needs; `ticket` is a ticket id to use. */
  const everyRoute = (ticket: string) => [
    ['GET', '/v1/portal/tickets', undefined],
    ['POST', '/v1/portal/tickets', { subject: 'Should not exist', priority: 'low' }],
    ['GET', `/v1/portal/tickets/${ticket}`, undefined],
    ['POST', `/v1/portal/tickets/${ticket}/comments`, { body: 'Should not exist' }],
    ['GET', '/v1/portal/invoices', undefined],
  ] as const;

  it('opens a ticket for the contact\'s company, raised by the contact, with exact counters in the same write', async () => {
    const created = await api('POST', '/v1/portal/tickets', { token: a.token, body: { subject: 'Laptop will not boot', description: 'Black screen since the update.', priority: 'high' } });
    expect(created.status).toBe(201);
    ticketA = created.body;
    expect(ticketA).toMatchObject({ companyId: a.companyId, contactId: a.contactId, subject: 'Laptop will not boot', description: 'Black screen since the update.', priority: 'high', status: 'open', version: 1 });
    expect(created.headers.get('location')).toBe(`/v1/portal/tickets/${ticketA.id}`);
    expect(created.headers.get('etag')).toBe('"1"');
    // The client sees no routing (assignee, queue): those are the MSP's.
    expect(Object.keys(ticketA).sort()).toEqual(['category', 'companyId', 'contactId', 'contractId', 'createdAt', 'description', 'id', 'priority', 'sla', 'status', 'subject', 'updatedAt', 'version']);
    // Staff see the very same ticket, with its routing.
    expect((await api('GET', `/v1/tickets/${ticketA.id}`, { token: tech })).body).toEqual({ ...ticketA, assigneeId: null, queue: null });
    expect(await companyCounts(a.companyId)).toMatchObject({ tickets: 1, openTickets: 1 });
    expect(await contactCounts(a.contactId)).toMatchObject({ tickets: 1 });

    // Defaults: priority medium, no description.
    const minimal = await api('POST', '/v1/portal/tickets', { token: a.token, body: { subject: 'VPN is slow' } });
    expect(minimal.body).toMatchObject({ priority: 'medium', description: null, status: 'open', contactId: a.contactId });
    ticketB = (await api('POST', '/v1/portal/tickets', { token: b.token, body: { subject: 'Contoso printer', priority: 'low' } })).body;
    expect(ticketB.companyId).toBe(b.companyId);
    expect(await companyCounts(a.companyId)).toMatchObject({ tickets: 2, openTickets: 2 });
    expect(await contactCounts(a.contactId)).toMatchObject({ tickets: 2 });
    expect(await companyCounts(b.companyId)).toMatchObject({ tickets: 1, openTickets: 1 });
  });

  it('rejects ids and other fields in the body: companyId, contactId, status are never the caller\'s to choose', async () => {
    for (const extra of [{ companyId: b.companyId }, { contactId: b.contactId }, { status: 'closed' }, { id: ticketB.id }]) {
      const res = await api('POST', '/v1/portal/tickets', { token: a.token, body: { subject: 'Sneaky', ...extra } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual([{ in: 'body', path: `/${Object.keys(extra)[0]}`, message: 'Unknown field' }]);
    }
    expect((await api('POST', '/v1/portal/tickets', { token: a.token, body: { subject: '' } })).status).toBe(400);
    expect((await api('POST', '/v1/portal/tickets', { token: a.token, body: { subject: 'x', priority: 'urgent!' } })).status).toBe(400);
    const sneakyComment = await api('POST', `/v1/portal/tickets/${ticketA.id}/comments`, { token: a.token, body: { body: 'hi', visibility: 'internal' } });
    expect(sneakyComment).toMatchObject({ status: 400, body: { errors: [{ in: 'body', path: '/visibility', message: 'Unknown field' }] } });
    // Nothing was written anywhere.
    expect(await companyCounts(a.companyId)).toMatchObject({ tickets: 2, openTickets: 2 });
    expect(await companyCounts(b.companyId)).toMatchObject({ tickets: 1, openTickets: 1 });
    expect(await contactCounts(b.contactId)).toMatchObject({ tickets: 1 });
  });

  it('creates once for a repeated Idempotency-Key', async () => {
    const send = () => api('POST', '/v1/portal/tickets', { token: a.token, body: { subject: 'Once only' }, headers: { 'idempotency-key': `once-${run}` } });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await companyCounts(a.companyId)).toMatchObject({ tickets: 3, openTickets: 3 });
    expect(await contactCounts(a.contactId)).toMatchObject({ tickets: 3 });
  });

  it("lists only the company's tickets, newest first, by status, with cursors bound to the company", async () => {
    staffTicketA = (await api('POST', '/v1/tickets', { token: tech, body: { companyId: a.companyId, subject: 'Raised by phone', status: 'resolved' } })).body;
    expect(await companyCounts(a.companyId)).toMatchObject({ tickets: 4, openTickets: 3 });

    const all = await api('GET', '/v1/portal/tickets', { token: a.token });
    expect(all.status).toBe(200);
    expect(all.body.items.map((t: any) => t.subject)).toEqual(['Raised by phone', 'Once only', 'VPN is slow', 'Laptop will not boot']);
    expect(all.body.items.every((t: any) => t.companyId === a.companyId)).toBe(true);
    expect(all.body.nextCursor).toBeNull();

    const resolved = await api('GET', '/v1/portal/tickets?status=resolved', { token: a.token });
    expect(resolved.body.items.map((t: any) => t.id)).toEqual([staffTicketA.id]);
    expect((await api('GET', '/v1/portal/tickets?status=nope', { token: a.token })).status).toBe(400);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api('GET', `/v1/portal/tickets?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: a.token });
      seen.push(...page.body.items.map((t: any) => t.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((t: any) => t.id));

    // The other company sees its own ticket only, and cannot continue A's listing with A's cursor.
    const other = await api('GET', '/v1/portal/tickets', { token: b.token });
    expect(other.body.items.map((t: any) => t.id)).toEqual([ticketB.id]);
    const aCursor = (await api('GET', '/v1/portal/tickets?limit=1', { token: a.token })).body.nextCursor;
    expect((await api('GET', `/v1/portal/tickets?limit=1&cursor=${encodeURIComponent(aCursor)}`, { token: b.token })).body.code).toBe('INVALID_CURSOR');
  });

  it('shows public comments in the portal and every comment to staff; internal ones never reach the portal', async () => {
    const fromPortal = await api('POST', `/v1/portal/tickets/${ticketA.id}/comments`, { token: a.token, body: { body: 'Still broken after a restart.' } });
    expect(fromPortal.status).toBe(201);
    expect(fromPortal.body).toMatchObject({ body: 'Still broken after a restart.', visibility: 'public', author: { kind: 'contact', id: a.contactId, name: 'Jane Doe' }, createdAt: expect.any(String) });

    const reply = await api('POST', `/v1/tickets/${ticketA.id}/comments`, { token: tech, body: { body: 'A technician will call you at 2pm.', visibility: 'public' } });
    expect(reply.status).toBe(201);
    expect(reply.body.author).toMatchObject({ kind: 'staff', name: techEmail });
    const internal = await api('POST', `/v1/tickets/${ticketA.id}/comments`, { token: tech, body: { body: 'Probably the BitLocker recovery prompt.', visibility: 'internal' } });
    expect(internal.body.visibility).toBe('internal');
    const defaulted = await api('POST', `/v1/tickets/${ticketA.id}/comments`, { token: tech, body: { body: 'Default is staff-only.' } });
    expect(defaulted.body.visibility).toBe('internal');

    const portalView = await api('GET', `/v1/portal/tickets/${ticketA.id}`, { token: a.token });
    expect(portalView.status).toBe(200);
    expect(portalView.headers.get('etag')).toBe('"1"');
    expect(portalView.body).toMatchObject({ id: ticketA.id, subject: 'Laptop will not boot', companyId: a.companyId });
    expect(portalView.body.comments.map((c: any) => c.id)).toEqual([fromPortal.body.id, reply.body.id]);
    expect(JSON.stringify(portalView.body)).not.toMatch(/BitLocker|staff-only|internal/);
    // The portal ticket list never carries comments at all.
    expect((await api('GET', '/v1/portal/tickets', { token: a.token })).body.items[0].comments).toBeUndefined();

    const staffView = await api('GET', `/v1/tickets/${ticketA.id}/comments`, { token: tech });
    expect(staffView.status).toBe(200);
    expect(staffView.body.items.map((c: any) => c.id)).toEqual([defaulted.body.id, internal.body.id, reply.body.id, fromPortal.body.id]);
    expect(staffView.body.items[3]).toEqual(fromPortal.body);

    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api('GET', `/v1/tickets/${ticketA.id}/comments?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: tech });
      expect(page.status).toBe(200);
      paged.push(...page.body.items.map((c: any) => c.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(staffView.body.items.map((c: any) => c.id));

    // A ticket without comments is an empty list; an unknown ticket is 404, for reading and writing.
    expect((await api('GET', `/v1/tickets/${staffTicketA.id}/comments`, { token: tech })).body).toEqual({ items: [], nextCursor: null });
    expect((await api('GET', `/v1/portal/tickets/${staffTicketA.id}`, { token: a.token })).body.comments).toEqual([]);
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    expect((await api('GET', `/v1/tickets/${unknown}/comments`, { token: tech })).status).toBe(404);
    expect((await api('POST', `/v1/tickets/${unknown}/comments`, { token: tech, body: { body: 'x', visibility: 'public' } })).status).toBe(404);
    expect((await api('POST', `/v1/tickets/${ticketA.id}/comments`, { token: tech, body: { body: 'x', author: { kind: 'contact' } } })).status).toBe(400);
    // Comments move no counters.
    expect(await companyCounts(a.companyId)).toMatchObject({ tickets: 4, openTickets: 3 });
  });

  it("reads another company's ticket as 404 on every route that names one, and writes nothing to it", async () => {
    expect((await api('GET', `/v1/portal/tickets/${ticketA.id}`, { token: b.token })).status).toBe(404);
    expect((await api('GET', `/v1/portal/tickets/${ticketB.id}`, { token: a.token })).status).toBe(404);
    const comment = await api('POST', `/v1/portal/tickets/${ticketA.id}/comments`, { token: b.token, body: { body: 'I should not be here' } });
    expect(comment).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect((await api('POST', `/v1/portal/tickets/${ticketB.id}/comments`, { token: a.token, body: { body: 'Nor here' } })).status).toBe(404);
    expect((await api('GET', '/v1/portal/tickets/01ARZ3NDEKTSV4RRFFQ69G5FAV', { token: a.token })).status).toBe(404);
    expect((await api('GET', '/v1/portal/tickets/not-an-id', { token: a.token })).status).toBe(400);
    const staffView = await api('GET', `/v1/tickets/${ticketA.id}/comments`, { token: tech });
    expect(staffView.body.items.some((c: any) => /should not be here/.test(c.body))).toBe(false);
    expect((await api('GET', `/v1/tickets/${ticketB.id}/comments`, { token: tech })).body.items).toEqual([]);

    // A ticket staff move to another company leaves the first company's portal at once.
    const moved = (await api('POST', '/v1/tickets', { token: tech, body: { companyId: a.companyId, subject: 'Will move' } })).body;
    expect((await api('GET', `/v1/portal/tickets/${moved.id}`, { token: a.token })).status).toBe(200);
    expect((await api('PATCH', `/v1/tickets/${moved.id}`, { token: tech, body: { companyId: b.companyId } })).status).toBe(200);
    expect((await api('GET', `/v1/portal/tickets/${moved.id}`, { token: a.token })).status).toBe(404);
    expect((await api('POST', `/v1/portal/tickets/${moved.id}/comments`, { token: a.token, body: { body: 'gone?' } })).status).toBe(404);
    expect((await api('GET', `/v1/portal/tickets/${moved.id}`, { token: b.token })).status).toBe(200);
  });

  it("lists the company's invoices with their balances, and only the company's", async () => {
    invoiceA = (await api('POST', '/v1/invoices', { token: admin, body: { companyId: a.companyId, number: `NW-${run}`, total: '1250', balance: '450.5', status: 'sent' } })).body;
    const paid = (await api('POST', '/v1/invoices', { token: admin, body: { companyId: a.companyId, number: `NW2-${run}`, total: '99.00', balance: '0', status: 'paid' } })).body;
    const invoiceB = (await api('POST', '/v1/invoices', { token: admin, body: { companyId: b.companyId, number: `CO-${run}`, total: '10.00', status: 'sent' } })).body;
    // A draft is the MSP's work in progress: never shown in the portal.
    await api('POST', '/v1/invoices', { token: admin, body: { companyId: a.companyId, number: `DRAFT-${run}`, total: '5.00', status: 'draft' } });

    const list = await api('GET', '/v1/portal/invoices', { token: a.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: any) => i.id)).toEqual([paid.id, invoiceA.id]);
    expect(list.body.items[1]).toEqual(invoiceA);
    expect(list.body.items[1]).toMatchObject({ number: `NW-${run}`, total: '1250.00', balance: '450.50', status: 'sent' });
    expect((await api('GET', '/v1/portal/invoices?status=paid', { token: a.token })).body.items.map((i: any) => i.id)).toEqual([paid.id]);
    expect((await api('GET', '/v1/portal/invoices', { token: b.token })).body.items.map((i: any) => i.id)).toEqual([invoiceB.id]);
    const pageOne = await api('GET', '/v1/portal/invoices?limit=1', { token: a.token });
    expect((await api('GET', `/v1/portal/invoices?limit=1&cursor=${encodeURIComponent(pageOne.body.nextCursor)}`, { token: b.token })).body.code).toBe('INVALID_CURSOR');
    // Page by page (a filtered page may be short, even empty, and still have a next cursor): the same invoices.
    const paged: string[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page: any = await api('GET', `/v1/portal/invoices?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: a.token });
      paged.push(...page.body.items.map((i: any) => i.id));
      cursor = page.body.nextCursor;
    }
    expect(paged).toEqual([paid.id, invoiceA.id]);
  });

  it('keeps the pools apart: staff tokens on portal routes and portal tokens on staff comment routes are 401', async () => {
    for (const [method, path, body] of everyRoute(ticketA.id)) expect((await api(method, path, { token: tech, body })).status).toBe(401);
    for (const [method, path, body] of everyRoute(ticketA.id)) expect((await api(method, path, { body })).status).toBe(401);
    expect((await api('GET', `/v1/tickets/${ticketA.id}/comments`, { token: a.token })).status).toBe(401);
    expect((await api('POST', `/v1/tickets/${ticketA.id}/comments`, { token: a.token, body: { body: 'x', visibility: 'internal' } })).status).toBe(401);
  });

  it('pauses every portal route for an archived company (403 PORTAL_PAUSED) on the next request, and writes nothing', async () => {
    const before = { company: await companyCounts(a.companyId), contact: await contactCounts(a.contactId) };
    const comments = (await api('GET', `/v1/tickets/${ticketA.id}/comments`, { token: tech })).body.items.length;
    await setCompanyStatus(a.companyId, 'archived');
    try {
      for (const [method, path, body] of everyRoute(ticketA.id)) {
        const res = await api(method, path, { token: a.token, body });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body, `${method} ${path}`).toMatchObject({ code: 'PORTAL_PAUSED', title: 'Portal access is paused' });
      }
      // The other company's contact is unaffected.
      expect((await api('GET', '/v1/portal/tickets', { token: b.token })).status).toBe(200);
    } finally {
      await setCompanyStatus(a.companyId, 'active');
    }
    expect(await companyCounts(a.companyId)).toEqual(before.company);
    expect(await contactCounts(a.contactId)).toEqual(before.contact);
    expect((await api('GET', `/v1/tickets/${ticketA.id}/comments`, { token: tech })).body.items.length).toBe(comments);
    expect((await api('GET', '/v1/portal/tickets', { token: a.token })).status).toBe(200);
  });

  it('pauses the portal through the real archive route too', async () => {
    expect((await api('POST', `/v1/companies/${b.companyId}/archive`, { token: admin })).status).toBe(200);
    for (const [method, path, body] of everyRoute(ticketB.id)) {
      expect((await api(method, path, { token: b.token, body })).body, `${method} ${path}`).toMatchObject({ status: 403, code: 'PORTAL_PAUSED' });
    }
    expect((await api('POST', `/v1/companies/${b.companyId}/restore`, { token: admin })).status).toBe(200);
    expect((await api('GET', `/v1/portal/tickets/${ticketB.id}`, { token: b.token })).status).toBe(200);
  });

  it('refuses an inactive contact on every portal route (403 CONTACT_INACTIVE), with the token it already has', async () => {
    const before = await companyCounts(a.companyId);
    expect((await api('POST', `/v1/contacts/${a.contactId}/deactivate`, { token: tech })).body.status).toBe('inactive');
    try {
      for (const [method, path, body] of everyRoute(ticketA.id)) {
        const res = await api(method, path, { token: a.token, body });
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.code, `${method} ${path}`).toBe('CONTACT_INACTIVE');
      }
    } finally {
      await api('POST', `/v1/contacts/${a.contactId}/activate`, { token: tech });
    }
    expect(await companyCounts(a.companyId)).toEqual(before);
    expect((await api('GET', `/v1/portal/tickets/${ticketA.id}`, { token: a.token })).status).toBe(200);
  });

  it('documents the portal routes with their refusals', async () => {
    const doc = (await api('GET', '/v1/openapi.json')).body;
    for (const [method, path] of [['get', '/v1/portal/tickets'], ['post', '/v1/portal/tickets'], ['get', '/v1/portal/tickets/{id}'], ['post', '/v1/portal/tickets/{id}/comments'], ['get', '/v1/portal/invoices']]) {
      const op = doc.paths[path!][method!];
      expect(op.security).toEqual([{ portal: [] }]);
      expect(op.responses['403'].description).toContain('PORTAL_PAUSED');
      expect(op.responses['403'].description).toContain('CONTACT_INACTIVE');
    }
    expect(doc.paths['/v1/portal/tickets/{id}'].get.responses['404']).toBeDefined();
    expect(doc.components.schemas.Comment.properties.visibility.enum).toEqual(['public', 'internal']);
  });
});

describe('local demo contact (infra/local/seed.ts)', () => {
  it('seeds a portal contact through the API, idempotently, who can use the portal', async () => {
    const first = await seedDemo(stack.info);
    const again = await seedDemo(stack.info);
    expect(again).toEqual(first);
    expect(first.portal).toEqual({ email: 'demo.contact@demo-customer.example', password: DEMO_PORTAL_PASSWORD });
    const token = (await login(stack.info, first.portal.email, first.portal.password, 'portal')).idToken;
    const me = await api('GET', '/v1/portal/me', { token });
    expect(me.body).toMatchObject({ contact: { id: first.contactId }, company: { id: first.companyId, name: 'Demo Customer Ltd' } });
    const tickets = await api('GET', '/v1/portal/tickets', { token });
    expect(tickets.body.items).toHaveLength(1);
    expect((await api('GET', `/v1/portal/tickets/${tickets.body.items[0].id}`, { token })).body.comments).toHaveLength(1);
    expect((await api('GET', '/v1/portal/invoices', { token })).body.items).toHaveLength(1);
    // One invitation only: the second run found a working login and sent nothing.
    const mails = ((await (await fetch(`${stack.info.ses.endpoint}/store`)).json()) as { emails: { destination: { to: string[] } }[] }).emails;
    expect(mails.filter((m) => m.destination.to.includes(first.portal.email))).toHaveLength(1);
  });
});

describe('client settings through the gateway (API.md v1.1 "Client settings")', () => {
  let c: PortalUser;
  beforeAll(async () => {
    c = await portalUser('Fabrikam', 'Kim', 'Akers');
  });

  it("counts the contact's portal logins for its company's engagement (health)", async () => {
    const engagement = async () => (await api('GET', `/v1/companies/${c.companyId}/health`, { token: tech })).body.components.find((x: { key: string }) => x.key === 'engagement');
    expect(await engagement()).toMatchObject({ score: 50, reasons: ['1 portal login this month and last', '1 contact can log in', expect.stringMatching(/^Last login /)] });
    await login(stack.info, c.email, PASSWORD, 'portal');
    expect((await engagement()).reasons[0]).toBe('2 portal logins this month and last');
  });
  const settings = (body: unknown, token = admin, headers?: Record<string, string>) => api('PUT', `/v1/companies/${c.companyId}/settings`, { token, body, headers });

  it('limits a portal ticket to the allowed categories (400 CATEGORY_NOT_ALLOWED), auto-assigns it, and tells the portal what shows', async () => {
    const before = await api('GET', `/v1/companies/${c.companyId}/settings`, { token: tech });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ companyId: c.companyId, slaPolicyId: null, portal: { ticketCategories: null, showInvoices: true, showKnowledgeBase: true }, notificationRules: [], autoAssignment: null });
    expect((await settings({ portal: { ticketCategories: ['Hardware'] } }, tech)).status).toBe(403);

    const put = await settings(
      { portal: { ticketCategories: ['Hardware', 'Email'], showInvoices: false, showKnowledgeBase: false }, autoAssignment: { queue: 'Tier 1', technicianId: null } },
      admin,
      { 'if-match': `"${before.body.version}"` },
    );
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe(`"${before.body.version + 1}"`);
    // The settings are the company's: its version moved with them.
    expect((await api('GET', `/v1/companies/${c.companyId}`, { token: tech })).body.version).toBe(before.body.version + 1);

    const refused = await api('POST', '/v1/portal/tickets', { token: c.token, body: { subject: 'New phone', category: 'Phones' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'CATEGORY_NOT_ALLOWED', errors: [{ in: 'body', path: '/category' }] });
    const taken = await api('POST', '/v1/portal/tickets', { token: c.token, body: { subject: 'Mailbox full', category: 'email' } });
    expect(taken.status).toBe(201);
    expect(taken.body).toMatchObject({ category: 'Email' });
    expect(taken.body).not.toHaveProperty('queue');
    expect((await api('GET', `/v1/tickets/${taken.body.id}`, { token: tech })).body).toMatchObject({ category: 'Email', queue: 'Tier 1', assigneeId: null });

    const me = await api('GET', '/v1/portal/me', { token: c.token });
    expect(me.body.portal).toEqual({ ticketCategories: ['Hardware', 'Email'], showInvoices: false, showKnowledgeBase: false });
    const invoices = await api('GET', '/v1/portal/invoices', { token: c.token });
    expect(invoices.status).toBe(403);
    expect(invoices.body.code).toBe('PORTAL_SECTION_HIDDEN');

    // A PUT replaces the whole: what it leaves out goes back to its default.
    expect((await settings({})).body).toMatchObject({ portal: { ticketCategories: null, showInvoices: true }, autoAssignment: null });
    expect((await api('GET', '/v1/portal/invoices', { token: c.token })).status).toBe(200);
    expect((await api('POST', '/v1/portal/tickets', { token: c.token, body: { subject: 'Anything', category: 'Phones' } })).status).toBe(201);

    // No list of its own: the MSP's categories (`/v1/settings`) apply.
    const msp = await api('GET', '/v1/settings', { token: tech });
    expect((await api('PUT', '/v1/settings', { token: admin, body: { categories: ['Hardware'] }, headers: { 'if-match': `"${msp.body.version}"` } })).status).toBe(200);
    expect((await api('GET', '/v1/portal/me', { token: c.token })).body.portal.ticketCategories).toEqual(['Hardware']);
    expect((await api('POST', '/v1/portal/tickets', { token: c.token, body: { subject: 'New phone', category: 'Phones' } })).body.code).toBe('CATEGORY_NOT_ALLOWED');
    expect((await api('PUT', '/v1/settings', { token: admin, body: { categories: [] } })).status).toBe(200);
    expect((await api('POST', '/v1/portal/tickets', { token: c.token, body: { subject: 'New phone', category: 'Phones' } })).status).toBe(201);
  });
});
