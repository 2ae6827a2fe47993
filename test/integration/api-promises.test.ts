/**
 * The API's own promises (issue 14, "Medium"), table-driven on real DynamoDB Local and real
 * queues: every versioned resource answers a stale `If-Match` with 412 and a race lost without
 * one with 409 CONCURRENT_CHANGE, never overwriting the winner; single-line fields refuse
 * control characters and bodies refuse invalid UTF-8; mail subjects are one line; an archived
 * company's contacts, records, addresses and tickets' comments refuse every change, also when
 * the archive lands between the service's read and its write.
 */
import { describe, expect, it } from 'vitest';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { mailMessageSchema } from '../../shared/mail/mail.schema';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeNext } from '../helpers/db-requests';
import { call, httpEvent, invoke, lambdaContext, type TestResponse } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true });

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;

const company = async () => (await call({ route: 'POST /v1/companies', body: { name: unique('Promise Co') } })).body as { id: string; name: string };
const contact = async (companyId: string | null) =>
  (await call({ route: 'POST /v1/contacts', body: { firstName: 'Ann', lastName: `Lee${++n}`, email: `ann.${run}.${n}@example.com`, companyId } })).body as { id: string };
const record = async (plural: 'tickets' | 'assets' | 'invoices', body: Record<string, unknown>) =>
  (await call({ route: `POST /v1/${plural}`, body })).body as { id: string };
const address = async (companyId: string, extra: Record<string, unknown> = {}) =>
  (await call({ route: 'POST /v1/companies/{id}/addresses', params: { id: companyId }, body: { line1: '1 High St', city: 'Leeds', country: 'GB', ...extra } })).body as { id: string };

/** A versioned resource: how to make one, patch it, delete it (if it can be) and read it back. */
interface Versioned {
  name: string;
  make: () => Promise<Record<string, string>>;
  patch: { route: string; body: (i: number) => Record<string, unknown>; field: string };
  del?: string;
  read: (params: Record<string, string>) => Promise<Record<string, unknown> | undefined>;
}

const byId = (route: string) => async (params: Record<string, string>) => {
  const res = await call({ route, params });
  return res.status === 200 ? (res.body as Record<string, unknown>) : undefined;
};

const RESOURCES: Versioned[] = [
  { name: 'company', make: async () => ({ id: (await company()).id }), patch: { route: 'PATCH /v1/companies/{id}', body: (i) => ({ industry: `Industry ${i}` }), field: 'industry' }, read: byId('GET /v1/companies/{id}') },
  {
    name: 'contact',
    make: async () => ({ id: (await contact((await company()).id)).id }),
    patch: { route: 'PATCH /v1/contacts/{id}', body: (i) => ({ title: `Title ${i}` }), field: 'title' },
    del: 'DELETE /v1/contacts/{id}',
    read: byId('GET /v1/contacts/{id}'),
  },
  {
    name: 'address',
    make: async () => {
      const co = await company();
      return { id: co.id, addressId: (await address(co.id)).id };
    },
    patch: { route: 'PATCH /v1/companies/{id}/addresses/{addressId}', body: (i) => ({ label: `Label ${i}` }), field: 'label' },
    del: 'DELETE /v1/companies/{id}/addresses/{addressId}',
    read: async ({ id, addressId }) => (await call({ route: 'GET /v1/companies/{id}/addresses', params: { id: id! } })).body.items.find((a: { id: string }) => a.id === addressId),
  },
  {
    name: 'ticket',
    make: async () => ({ id: (await record('tickets', { companyId: (await company()).id, subject: 'Printer' })).id }),
    patch: { route: 'PATCH /v1/tickets/{id}', body: (i) => ({ subject: `Subject ${i}` }), field: 'subject' },
    read: byId('GET /v1/tickets/{id}'),
  },
  {
    name: 'asset',
    make: async () => ({ id: (await record('assets', { companyId: (await company()).id, name: 'PC-0' })).id }),
    patch: { route: 'PATCH /v1/assets/{id}', body: (i) => ({ name: `PC-${i}` }), field: 'name' },
    read: byId('GET /v1/assets/{id}'),
  },
  {
    name: 'invoice',
    make: async () => ({ id: (await record('invoices', { companyId: (await company()).id, number: 'INV-0', total: '10.00' })).id }),
    patch: { route: 'PATCH /v1/invoices/{id}', body: (i) => ({ number: `INV-${i}` }), field: 'number' },
    read: byId('GET /v1/invoices/{id}'),
  },
];

const patchOf = (r: Versioned, params: Record<string, string>, i: number, headers: Record<string, string> = {}) => call({ route: r.patch.route, params, body: r.patch.body(i), headers });

describe.each(RESOURCES)('$name: versions, If-Match and races', (r) => {
  it('carries its version in the body and ETag, and a PATCH moves both', async () => {
    const params = await r.make();
    const res = await patchOf(r, params, 1, { 'if-match': '"1"' });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(2);
    expect(res.headers.etag).toBe('"2"');
    expect(await r.read(params)).toMatchObject({ version: 2, [r.patch.field]: res.body[r.patch.field] });
  });

  it('answers a stale If-Match with 412 VERSION_MISMATCH and changes nothing', async () => {
    const params = await r.make();
    expect((await patchOf(r, params, 1)).status).toBe(200);
    engines.requests.reset();
    const stale = await patchOf(r, params, 2, { 'if-match': '"1"' });
    expect(stale).toMatchObject({ status: 412, body: { code: 'VERSION_MISMATCH', detail: expect.stringContaining('(2)') } });
    expect(stale.headers['content-type']).toBe('application/problem+json');
    // One DynamoDB request: the write whose version condition failed (companies, addresses), or the read that found another version.
    expect(engines.requests.calls).toHaveLength(1);
    expect(await r.read(params)).toMatchObject({ version: 2, [r.patch.field]: r.patch.body(1)[r.patch.field] });
    if (r.del) {
      engines.requests.reset();
      expect((await call({ route: r.del, params, headers: { 'if-match': '"1"' } })).status).toBe(412);
      expect(engines.requests.calls).toHaveLength(1);
      expect(await r.read(params)).toBeDefined();
    }
  });

  it('answers a race lost without If-Match with 409 CONCURRENT_CHANGE, keeping the winner’s edit', async () => {
    const params = await r.make();
    let winner: TestResponse | undefined;
    // The competing PATCH commits between this PATCH's read and its write.
    beforeNext('TransactWriteItems', async () => (winner = await patchOf(r, params, 1)));
    const loser = await patchOf(r, params, 2);
    expect(winner?.status).toBe(200);
    expect(loser).toMatchObject({ status: 409, body: { code: 'CONCURRENT_CHANGE' } });
    expect(await r.read(params)).toMatchObject({ version: 2, [r.patch.field]: r.patch.body(1)[r.patch.field] });
  });

  it('answers a race lost with a current If-Match with 412', async () => {
    const params = await r.make();
    beforeNext('TransactWriteItems', () => patchOf(r, params, 1));
    expect(await patchOf(r, params, 2, { 'if-match': '"1"' })).toMatchObject({ status: 412, body: { code: 'VERSION_MISMATCH' } });
    expect(await r.read(params)).toMatchObject({ version: 2, [r.patch.field]: r.patch.body(1)[r.patch.field] });
  });

  it('under 8 concurrent PATCHes without If-Match: each one commits its own version or is a 409, none overwritten', async () => {
    const params = await r.make();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => patchOf(r, params, i + 10)));
    const won = results.filter((x) => x.status === 200);
    for (const x of results) if (x.status !== 200) expect(x).toMatchObject({ status: 409, body: { code: 'CONCURRENT_CHANGE' } });
    expect(won.length).toBeGreaterThan(0);
    // Every success made its own version: none was applied on top of another unseen.
    const versions = won.map((x) => x.body.version as number).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: won.length }, (_, i) => i + 2));
    const last = won.find((x) => x.body.version === versions.at(-1))!;
    expect(await r.read(params)).toMatchObject({ version: 1 + won.length, [r.patch.field]: last.body[r.patch.field] });
  });
});

describe.each(RESOURCES.filter((r) => r.del))('$name: DELETE races', (r) => {
  it('answers a DELETE that lost a race without If-Match with 409 CONCURRENT_CHANGE; the record stays', async () => {
    const params = await r.make();
    beforeNext('TransactWriteItems', () => patchOf(r, params, 1));
    expect(await call({ route: r.del!, params })).toMatchObject({ status: 409, body: { code: 'CONCURRENT_CHANGE' } });
    expect(await r.read(params)).toMatchObject({ version: 2, [r.patch.field]: r.patch.body(1)[r.patch.field] });
  });
});

describe('control characters and UTF-8', () => {
  const ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
  const ADDRESS = { line1: '1 High St', city: 'Leeds', country: 'GB' };
  /** Single-line fields: where they are sent, a valid body around them, and the path the error names. */
  const SINGLE_LINE: { route: string; params?: Record<string, string>; body: (v: string) => Record<string, unknown>; path: string }[] = [
    { route: 'POST /v1/companies', body: (v) => ({ name: v }), path: 'name' },
    { route: 'PATCH /v1/companies/{id}', params: { id: ID }, body: (v) => ({ industry: v }), path: 'industry' },
    { route: 'PATCH /v1/companies/{id}', params: { id: ID }, body: (v) => ({ tags: ['ok', v] }), path: 'tags.1' },
    { route: 'POST /v1/contacts', body: (v) => ({ firstName: v, lastName: 'Lee', email: 'a@b.example' }), path: 'firstName' },
    { route: 'POST /v1/contacts', body: (v) => ({ firstName: 'Ann', lastName: v, email: 'a@b.example' }), path: 'lastName' },
    { route: 'PATCH /v1/contacts/{id}', params: { id: ID }, body: (v) => ({ title: v }), path: 'title' },
    { route: 'PATCH /v1/contacts/{id}', params: { id: ID }, body: (v) => ({ phone: v }), path: 'phone' },
    { route: 'POST /v1/companies/{id}/addresses', params: { id: ID }, body: (v) => ({ ...ADDRESS, label: v }), path: 'label' },
    { route: 'POST /v1/companies/{id}/addresses', params: { id: ID }, body: (v) => ({ ...ADDRESS, line1: v }), path: 'line1' },
    { route: 'PATCH /v1/companies/{id}/addresses/{addressId}', params: { id: ID, addressId: ID }, body: (v) => ({ line2: v }), path: 'line2' },
    { route: 'PATCH /v1/companies/{id}/addresses/{addressId}', params: { id: ID, addressId: ID }, body: (v) => ({ city: v }), path: 'city' },
    { route: 'POST /v1/companies/{id}/addresses', params: { id: ID }, body: (v) => ({ ...ADDRESS, access: { name: v } }), path: 'access.name' },
    { route: 'POST /v1/tickets', body: (v) => ({ companyId: ID, subject: v }), path: 'subject' },
    { route: 'PATCH /v1/tickets/{id}', params: { id: ID }, body: (v) => ({ subject: v }), path: 'subject' },
    { route: 'POST /v1/assets', body: (v) => ({ companyId: ID, name: v }), path: 'name' },
    { route: 'PATCH /v1/assets/{id}', params: { id: ID }, body: (v) => ({ serialNumber: v }), path: 'serialNumber' },
    { route: 'POST /v1/invoices', body: (v) => ({ companyId: ID, number: v, total: '1.00' }), path: 'number' },
  ];
  const CONTROLS = ['Acme\r\nBcc: victim@example.com', 'Acme\n', '\rAcme', 'Ac\u0000me', 'Ac\tme', 'Ac\u0007me', 'Ac\u001b[2Jme', 'Ac\u007fme', 'Ac\u0085me', 'Ac\u2028me'];

  it.each(SINGLE_LINE)('$route refuses control characters in $path with 400 VALIDATION_FAILED naming it', async (row) => {
    for (const value of CONTROLS) {
      const res = await call({ route: row.route, params: row.params, body: row.body(value) });
      expect(res.status, JSON.stringify(value)).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ in: 'body', path: `/${row.path.replaceAll('.', '/')}`, message: expect.stringMatching(/control characters/) }] });
    }
  });

  it('lets multi-line text hold line breaks and tabs but no other control character', async () => {
    const co = await company();
    const t = await record('tickets', { companyId: co.id, subject: 'Printer', description: 'Line 1\r\nLine 2\n\tindented' });
    expect(t).toMatchObject({ description: 'Line 1\r\nLine 2\n\tindented' });
    const comment = await call({ route: 'POST /v1/tickets/{id}/comments', params: { id: t.id }, body: { body: 'Hello,\n\nfixed.\tThanks' } });
    expect(comment).toMatchObject({ status: 201, body: { body: 'Hello,\n\nfixed.\tThanks' } });
    const notes = await call({ route: 'PATCH /v1/companies/{id}', params: { id: co.id }, body: { notes: 'Gate code\n1234' } });
    expect(notes).toMatchObject({ status: 200, body: { notes: 'Gate code\n1234' } });
    const refused = [
      { res: await call({ route: 'POST /v1/tickets/{id}/comments', params: { id: t.id }, body: { body: 'a\u0000b' } }), path: 'body' },
      { res: await call({ route: 'PATCH /v1/tickets/{id}', params: { id: t.id }, body: { description: 'bell\u0007' } }), path: 'description' },
      { res: await call({ route: 'PATCH /v1/companies/{id}', params: { id: co.id }, body: { notes: 'esc\u001b[0m' } }), path: 'notes' },
      { res: await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id }, body: { reason: 'nul\u0000' } }), path: 'reason' },
    ];
    for (const { res, path } of refused) expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', errors: [{ in: 'body', path: `/${path}` }] } });
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body.status).toBe('active');
  });

  it('answers invalid UTF-8 and lone surrogates in a JSON body with 400 MALFORMED_JSON, writing nothing', async () => {
    const name = unique('Utf8');
    const bodies = [
      Buffer.concat([Buffer.from(`{"name":"${name} `), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), // not UTF-8 at all
      Buffer.concat([Buffer.from(`{"name":"${name} `), Buffer.from([0xc3]), Buffer.from('"}')]), // a truncated sequence
      Buffer.concat([Buffer.from(`{"name":"${name} `), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), // an encoded surrogate
      Buffer.from(`{"name":"${name} \\ud800"}`), // a lone surrogate escape
      Buffer.from(`{"name":"${name}","\\udfff":1}`), // in a key
    ];
    for (const bytes of bodies) {
      const event = httpEvent({ route: 'POST /v1/companies', rawBody: '{}' });
      Object.assign(event, { body: bytes.toString('base64'), isBase64Encoded: true });
      const { handler } = await import('../../functions/companies/create-company');
      const res = await invoke(handler, event);
      expect(res).toMatchObject({ status: 400, body: { code: 'MALFORMED_JSON' } });
    }
    expect((await call({ route: 'GET /v1/companies', query: { q: name } })).body.items).toEqual([]);
    // Valid UTF-8 beyond ASCII, a surrogate pair escape included, is fine.
    const ok = await call({ route: 'POST /v1/companies', rawBody: `{"name":"${name} Zoë \\ud83d\\ude00"}` });
    expect(ok).toMatchObject({ status: 201, body: { name: `${name} Zoë 😀` } });
  });

  it('never lets CR or LF into a mail header: the worker makes a subject one line, and refuses such an address', async () => {
    // Built from a name stored before today's rules (or by a path that bypassed them).
    const subject = 'Your Acme\r\nBcc: victim@example.com\r\n support portal account';
    const parsed = mailMessageSchema.parse({ id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', to: ['ann@example.com'], subject, text: 'Line 1\nLine 2' });
    expect(parsed.subject).toBe('Your Acme Bcc: victim@example.com support portal account');
    expect(parsed.text).toBe('Line 1\nLine 2');
    expect(mailMessageSchema.safeParse({ id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', to: ['ann@example.com\r\nBcc: x@y.example'], subject: 's', text: 'x' }).success).toBe(false);
  });
});

describe('archived means preserved as-is', () => {
  /**
   * A company with a bit of everything, a contact `x` that moved away but left a ticket behind,
   * and a contact `y` that joined from `other` and left a ticket there.
   */
  const retired = async () => {
    const co = await company();
    const other = await company();
    const [c, c2, x] = [await contact(co.id), await contact(co.id), await contact(co.id)];
    const ticket = await record('tickets', { companyId: co.id, contactId: c.id, subject: 'Printer' });
    const leftBehind = await record('tickets', { companyId: co.id, contactId: x.id, subject: 'Old laptop' });
    expect((await call({ route: 'PATCH /v1/contacts/{id}', params: { id: x.id }, body: { companyId: other.id } })).status).toBe(200);
    const y = await contact(other.id);
    const elsewhere = await record('tickets', { companyId: other.id, contactId: y.id, subject: 'VPN' });
    expect((await call({ route: 'PATCH /v1/contacts/{id}', params: { id: y.id }, body: { companyId: co.id } })).status).toBe(200);
    const asset = await record('assets', { companyId: co.id, contactId: c.id, name: 'PC-1' });
    const invoice = await record('invoices', { companyId: co.id, number: 'INV-1', total: '10.00' });
    const addr = await address(co.id);
    await call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: c2.id } });
    return { co, other, c, c2, x, y, ticket, leftBehind, elsewhere, asset, invoice, addr };
  };
  type Fixture = Awaited<ReturnType<typeof retired>>;

  /** Every change to what an archived company holds, in an order that also succeeds once it is restored. */
  const CHANGES: { name: string; run: (f: Fixture) => Promise<TestResponse> }[] = [
    { name: 'PATCH a contact', run: (f) => call({ route: 'PATCH /v1/contacts/{id}', params: { id: f.c.id }, body: { title: 'CTO' } }) },
    { name: 'deactivate a contact', run: (f) => call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: f.c.id } }) },
    { name: 'activate a contact', run: (f) => call({ route: 'POST /v1/contacts/{id}/activate', params: { id: f.c2.id } }) },
    { name: 'set the primary contact', run: (f) => call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: f.co.id }, body: { contactId: f.c2.id } }) },
    { name: 'PATCH a ticket', run: (f) => call({ route: 'PATCH /v1/tickets/{id}', params: { id: f.ticket.id }, body: { status: 'resolved' } }) },
    { name: "unlink a ticket's contact", run: (f) => call({ route: 'PATCH /v1/tickets/{id}', params: { id: f.ticket.id }, body: { contactId: null } }) },
    { name: 'comment on a ticket (staff)', run: (f) => call({ route: 'POST /v1/tickets/{id}/comments', params: { id: f.ticket.id }, body: { body: 'On it', visibility: 'public' } }) },
    { name: 'PATCH an asset', run: (f) => call({ route: 'PATCH /v1/assets/{id}', params: { id: f.asset.id }, body: { name: 'PC-2' } }) },
    { name: 'PATCH an invoice', run: (f) => call({ route: 'PATCH /v1/invoices/{id}', params: { id: f.invoice.id }, body: { status: 'sent' } }) },
    { name: 'PATCH an address', run: (f) => call({ route: 'PATCH /v1/companies/{id}/addresses/{addressId}', params: { id: f.co.id, addressId: f.addr.id }, body: { city: 'York' } }) },
    { name: 'move a ticket out', run: (f) => call({ route: 'PATCH /v1/tickets/{id}', params: { id: f.ticket.id }, body: { companyId: f.other.id } }) },
    { name: 'move a contact out', run: (f) => call({ route: 'PATCH /v1/contacts/{id}', params: { id: f.c.id }, body: { companyId: f.other.id } }) },
    { name: 'unassign a contact', run: (f) => call({ route: 'PATCH /v1/contacts/{id}', params: { id: f.c2.id }, body: { companyId: null } }) },
    { name: 'DELETE an address', run: (f) => call({ route: 'DELETE /v1/companies/{id}/addresses/{addressId}', params: { id: f.co.id, addressId: f.addr.id } }) },
    { name: "DELETE a contact elsewhere whose ticket stayed behind", run: (f) => call({ route: 'DELETE /v1/contacts/{id}', params: { id: f.x.id } }) },
    { name: 'DELETE a contact', run: (f) => call({ route: 'DELETE /v1/contacts/{id}', params: { id: f.c2.id } }) },
    // Refused before its ticket and asset are unlinked (the snapshot shows them still linked).
    { name: 'DELETE a contact with a ticket and an asset', run: (f) => call({ route: 'DELETE /v1/contacts/{id}', params: { id: f.c.id } }) },
    // Its ticket is in an active company: still nothing is unlinked before the refusal.
    { name: 'DELETE a contact that joined with a ticket elsewhere', run: (f) => call({ route: 'DELETE /v1/contacts/{id}', params: { id: f.y.id } }) },
  ];

  /** What the company holds, as the API shows it. */
  const snapshot = async (f: Fixture) => ({
    company: (await call({ route: 'GET /v1/companies/{id}', params: { id: f.co.id } })).body,
    contacts: await Promise.all([f.c, f.c2, f.x, f.y].map(async (c) => (await call({ route: 'GET /v1/contacts/{id}', params: { id: c.id } })).body)),
    tickets: await Promise.all([f.ticket, f.leftBehind, f.elsewhere].map(async (t) => (await call({ route: 'GET /v1/tickets/{id}', params: { id: t.id } })).body)),
    asset: (await call({ route: 'GET /v1/assets/{id}', params: { id: f.asset.id } })).body,
    invoice: (await call({ route: 'GET /v1/invoices/{id}', params: { id: f.invoice.id } })).body,
    addresses: (await call({ route: 'GET /v1/companies/{id}/addresses', params: { id: f.co.id } })).body,
    comments: (await call({ route: 'GET /v1/tickets/{id}/comments', params: { id: f.ticket.id } })).body,
  });

  it('refuses every change with 409 COMPANY_ARCHIVED and keeps everything as it was; after a restore each one works', async () => {
    const f = await retired();
    expect((await call({ route: 'POST /v1/companies/{id}/archive', params: { id: f.co.id } })).status).toBe(200);
    const before = await snapshot(f);
    for (const change of CHANGES) {
      const res = await change.run(f);
      expect({ change: change.name, status: res.status, code: res.body.code }).toEqual({ change: change.name, status: 409, code: 'COMPANY_ARCHIVED' });
    }
    expect(await snapshot(f)).toEqual(before);

    expect((await call({ route: 'POST /v1/companies/{id}/restore', params: { id: f.co.id } })).status).toBe(200);
    for (const change of CHANGES) {
      const res = await change.run(f);
      expect({ change: change.name, ok: res.status < 300 }).toEqual({ change: change.name, ok: true });
    }
  });

  it('permanent delete and its cleanup still proceed on the archived company', async () => {
    const f = await retired();
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: f.co.id } });
    const del = await call({ route: 'DELETE /v1/companies/{id}', params: { id: f.co.id }, body: { confirmName: f.co.name }, groups: ['SuperAdmin'] });
    expect(del.status).toBe(202);
    const { handler } = await import('../../functions/companies/cleanup-company');
    const result = (await handler((await engines.queues.take('company-cleanup')) as never, { ...lambdaContext, getRemainingTimeInMillis: () => 300_000 } as never)) as { batchItemFailures: unknown[] };
    expect(result.batchItemFailures).toEqual([]);
    expect((await call({ route: 'GET /v1/tickets/{id}', params: { id: f.ticket.id } })).body).toMatchObject({ companyId: null, contactId: f.c.id });
    // Once unassigned, the records are nobody's archive any more: staff may work on them again.
    expect((await call({ route: 'POST /v1/tickets/{id}/comments', params: { id: f.ticket.id }, body: { body: 'Closing' } })).status).toBe(201);
    expect((await call({ route: 'PATCH /v1/contacts/{id}', params: { id: f.c.id }, body: { title: 'Former client' } })).status).toBe(200);
  });

  /** Changes whose refusal is shown to be the write's own condition: the archive lands after the service read "active". */
  const RACED = ['PATCH a contact', 'deactivate a contact', 'PATCH a ticket', 'comment on a ticket (staff)', 'PATCH an invoice', 'PATCH an address', 'move a contact out', 'DELETE an address', 'DELETE a contact'];

  it.each(RACED)('%s: an archive between the read and the write still refuses it inside the transaction', async (name) => {
    const f = await retired();
    const change = CHANGES.find((c) => c.name === name)!;
    const archive = () => call({ route: 'POST /v1/companies/{id}/archive', params: { id: f.co.id } });
    beforeNext('TransactWriteItems', archive);
    const res = await change.run(f);
    expect(res).toMatchObject({ status: 409, body: { code: 'COMPANY_ARCHIVED' } });
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: f.co.id } })).body.status).toBe('archived');
  });

  it('keeps an outstanding balance that appears between the delete’s check and its transaction a blocker', async () => {
    const co = await company();
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } });
    // Nothing in the API can change an archived company's invoices any more; the gate is still the transaction's.
    beforeNext('TransactWriteItems', () =>
      db().send(new UpdateCommand({ TableName: tableName(), Key: keys.company(co.id), UpdateExpression: 'ADD #c.#o :one', ExpressionAttributeNames: { '#c': 'counts', '#o': 'outstandingInvoices' }, ExpressionAttributeValues: { ':one': 1 } })),
    );
    const del = await call({ route: 'DELETE /v1/companies/{id}', params: { id: co.id }, body: { confirmName: co.name }, groups: ['SuperAdmin'] });
    expect(del).toMatchObject({ status: 409, body: { code: 'OUTSTANDING_INVOICES' } });
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).status).toBe(200);
  });
});

describe('deletion preview', () => {
  it.each(['Technician', 'ComplianceAdmin', 'MSPAdmin', 'Admin', 'SuperAdmin'] as const)('is readable by %s (every staff group reads)', async (group) => {
    const co = await company();
    const res = await call({ route: 'GET /v1/companies/{id}/deletion-preview', params: { id: co.id }, groups: [group] });
    expect(res.status).toBe(200);
    expect(res.body.blockers).toEqual([{ code: 'NOT_ARCHIVED', message: expect.any(String) }]);
  });
});

describe('explicit key prefixes', () => {
  it("pages a ticket's comments unaffected by another kind of item that sorts between the comments and the ticket", async () => {
    const co = await company();
    const t = await record('tickets', { companyId: co.id, subject: 'Prefix' });
    for (const body of ['one', 'two', 'three']) expect((await call({ route: 'POST /v1/tickets/{id}/comments', params: { id: t.id }, body: { body } })).status).toBe(201);
    // A later module's items in the ticket's partition, between 'COMMENT#' and 'TICKET'.
    for (let i = 0; i < 3; i++) await db().send(new PutCommand({ TableName: tableName(), Item: { pk: `TICKET#${t.id}`, sk: `DOCUMENT#${i}`, type: 'Document' } }));
    const first = await call({ route: 'GET /v1/tickets/{id}/comments', params: { id: t.id }, query: { limit: '2' } });
    expect(first.body.items.map((c: { body: string }) => c.body)).toEqual(['three', 'two']);
    const rest = await call({ route: 'GET /v1/tickets/{id}/comments', params: { id: t.id }, query: { limit: '2', cursor: first.body.nextCursor } });
    expect(rest.body.items.map((c: { body: string }) => c.body)).toEqual(['one']);
    expect((await call({ route: 'GET /v1/tickets/{id}/comments', params: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).status).toBe(404);
  });
});
