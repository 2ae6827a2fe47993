/**
 * The company's `counts.activeContacts` on a real DynamoDB Local, recounted from the contacts
 * themselves after every path that creates, deletes, moves or (de)activates a contact: the
 * API (also 80 concurrent status changes and moves of one company's contacts), the CSV import,
 * the Microsoft 365 sync (against the fake Entra and Graph); and the backfill of contacts
 * written before the counter, run twice and raced by the API from both sides. The
 * `activeCounted` marker never leaves the table.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as runImport } from '../../functions/imports/run-import';
import { handler as syncWorker } from '../../functions/m365/sync-tenant';
import { backfillActiveContacts } from '../../shared/contacts/active-contacts-backfill';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { beforeDbRequest } from '../helpers/db-requests';
import { allContactsOf } from '../helpers/data';
import { call, lambdaContext } from '../helpers/http-event';
import { createCompany as company, fakeTenant, linkTenant, startM365, type M365Engines } from '../support/m365';

let engines: M365Engines;
beforeAll(async () => {
  engines = await startM365();
});
afterAll(async () => engines?.stop());

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const email = () => `ac.${run}.${++n}@example.com`;
const ctx = (): Context => ({ ...lambdaContext, getRemainingTimeInMillis: () => 900_000 }) as Context;

type Contact = { id: string; status: string; companyId: string | null; externalId: string | null };
const contact = async (companyId: string | null) => {
  const res = await call({ route: 'POST /v1/contacts', body: { firstName: 'Ann', lastName: `Active${run}`, email: email(), ...(companyId ? { companyId } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Contact;
};
const setStatus = (id: string, status: 'active' | 'inactive') => call({ route: status === 'active' ? 'POST /v1/contacts/{id}/activate' : 'POST /v1/contacts/{id}/deactivate', params: { id } });
const move = (id: string, companyId: string | null) => call({ route: 'PATCH /v1/contacts/{id}', params: { id }, body: { companyId } });
const getCompany = async (id: string) => (await call({ route: 'GET /v1/companies/{id}', params: { id } })).body;
const contactsOf = (companyId: string) => allContactsOf<Contact>(companyId);

/** The company's counters against a recount of its contacts; returns them. */
const expectExact = async (companyId: string) => {
  const [company, contacts] = await Promise.all([getCompany(companyId), contactsOf(companyId)]);
  const counts = { contacts: company.counts.contacts as number, activeContacts: company.counts.activeContacts as number };
  expect(counts).toEqual({ contacts: contacts.length, activeContacts: contacts.filter((c) => c.status === 'active').length });
  return counts;
};

describe('the API', () => {
  it('counts active contacts exactly through create, deactivate, activate, move and delete', async () => {
    const a = (await company()).id;
    const b = (await company()).id;
    const [c1, c2, c3] = [await contact(a), await contact(a), await contact(a)];
    const loner = await contact(null);
    expect(await expectExact(a)).toEqual({ contacts: 3, activeContacts: 3 });

    expect((await setStatus(c1.id, 'inactive')).body.status).toBe('inactive');
    expect(await expectExact(a)).toEqual({ contacts: 3, activeContacts: 2 });
    // Already inactive: nothing written, nothing counted.
    await setStatus(c1.id, 'inactive');
    expect(await expectExact(a)).toEqual({ contacts: 3, activeContacts: 2 });
    await setStatus(c1.id, 'active');
    expect(await expectExact(a)).toEqual({ contacts: 3, activeContacts: 3 });

    // An inactive contact moves its one contact, not an active one; an active one moves both.
    await setStatus(c2.id, 'inactive');
    expect((await move(c2.id, b)).status).toBe(200);
    expect(await expectExact(a)).toEqual({ contacts: 2, activeContacts: 2 });
    expect(await expectExact(b)).toEqual({ contacts: 1, activeContacts: 0 });
    await move(c3.id, b);
    expect(await expectExact(a)).toEqual({ contacts: 1, activeContacts: 1 });
    expect(await expectExact(b)).toEqual({ contacts: 2, activeContacts: 1 });
    await move(loner.id, a);
    expect(await expectExact(a)).toEqual({ contacts: 2, activeContacts: 2 });
    await move(c1.id, null);
    expect(await expectExact(a)).toEqual({ contacts: 1, activeContacts: 1 });

    // Other edits change no counter.
    expect((await call({ route: 'PATCH /v1/contacts/{id}', params: { id: loner.id }, body: { phone: '+1 555 0100', title: 'CTO' } })).status).toBe(200);
    expect(await expectExact(a)).toEqual({ contacts: 1, activeContacts: 1 });

    expect((await call({ route: 'DELETE /v1/contacts/{id}', params: { id: c3.id } })).status).toBe(204);
    expect(await expectExact(b)).toEqual({ contacts: 1, activeContacts: 0 });
    expect((await call({ route: 'DELETE /v1/contacts/{id}', params: { id: c2.id } })).status).toBe(204);
    expect(await expectExact(b)).toEqual({ contacts: 0, activeContacts: 0 });
  });

  it('keeps the marker inside: no response shows activeCounted', async () => {
    const co = (await company()).id;
    const created = await call({ route: 'POST /v1/contacts', body: { firstName: 'Mark', lastName: `Er${run}`, email: email(), companyId: co } });
    const id = created.body.id as string;
    const responses = [
      created.body,
      (await call({ route: 'GET /v1/contacts/{id}', params: { id } })).body,
      (await call({ route: 'PATCH /v1/contacts/{id}', params: { id }, body: { title: 'Boss' } })).body,
      (await setStatus(id, 'inactive')).body,
      ...(await contactsOf(co)),
      ...(await call({ route: 'GET /v1/contacts', query: { q: `er${run}` } })).body.items,
    ];
    expect(responses).toHaveLength(6);
    for (const r of responses) expect(Object.keys(r)).not.toContain('activeCounted');
  });

  it('stays exact under 80 concurrent deactivations, activations and moves of one company\'s contacts', async () => {
    const home = (await company()).id;
    const away = (await company()).id;
    const contacts = await Promise.all(Array.from({ length: 20 }, () => contact(home)));
    const ops: Promise<{ status: number; body: { code?: string } }>[] = [];
    for (let i = 0; i < 80; i++) {
      const c = contacts[i % contacts.length]!;
      const op = Math.floor(i / contacts.length);
      // Each contact: deactivated, moved away (or activated), back home, activated again; all at once.
      if (op === 0) ops.push(setStatus(c.id, i % 2 ? 'inactive' : 'active'));
      else if (op === 1) ops.push(i % 3 ? move(c.id, away) : setStatus(c.id, 'inactive'));
      else if (op === 2) ops.push(i % 4 ? move(c.id, home) : setStatus(c.id, 'inactive'));
      else ops.push(setStatus(c.id, 'active'));
    }
    const results = await Promise.all(ops);
    // Races on one contact are lost as 409 CONCURRENT_CHANGE (never applied unseen); nothing else fails.
    expect(results.filter((r) => r.status !== 200 && !(r.status === 409 && r.body.code === 'CONCURRENT_CHANGE'))).toEqual([]);
    const h = await expectExact(home);
    const w = await expectExact(away);
    expect(h.contacts + w.contacts).toBe(20);
  });
});

describe('the CSV import', () => {
  it('counts the contacts it creates as active, per company, whatever else the file holds', async () => {
    const target = await company();
    const archived = await company();
    expect((await call({ route: 'POST /v1/companies/{id}/archive', params: { id: archived.id } })).status).toBe(200);
    const existing = await contact(target.id);
    await setStatus((await contact(target.id)).id, 'inactive');
    const takenEmail = (await call({ route: 'GET /v1/contacts/{id}', params: { id: existing.id } })).body.email as string;
    const rows = [
      'firstName,lastName,email,company',
      `Row,One,${email()},${target.name}`,
      `Row,Two,${email()},${target.name.toUpperCase()}`,
      `Row,Three,${email()},${target.name}`,
      `Row,Archived,${email()},${archived.name}`,
      `Row,Unknown,${email()},No Such Company ${run}`,
      `Row,Bad,not-an-email,${target.name}`,
      `Row,Taken,${takenEmail},${target.name}`,
      `Row,Loose,${email()},`,
    ];
    const res = await call({ route: 'POST /v1/imports', query: { type: 'contacts' }, rawBody: rows.join('\n'), headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(202);
    await runImport((await engines.queues.take('imports')) as never, ctx());
    expect((await call({ route: 'GET /v1/imports/{id}', params: { id: res.body.id } })).body).toMatchObject({ status: 'completed', created: 4, skippedDuplicates: 1, failed: 3 });
    expect(await expectExact(target.id)).toEqual({ contacts: 5, activeContacts: 4 });
    expect((await getCompany(archived.id)).counts).toMatchObject({ contacts: 0, activeContacts: 0 });
    // Imported contacts are counted: deactivating one takes it off.
    const imported = (await contactsOf(target.id)).find((c) => c.id !== existing.id && c.status === 'active')!;
    await setStatus(imported.id, 'inactive');
    expect(await expectExact(target.id)).toEqual({ contacts: 5, activeContacts: 3 });
  });
});

describe('the Microsoft 365 sync', () => {
  const drain = async () => {
    for (let i = 0; i < 50; i++) {
      const event = await engines.queues.take('m365-sync');
      if (!event.Records.length) return;
      await syncWorker(event as never, ctx());
    }
  };
  const sync = async (companyId: string) => {
    const res = await call({ route: 'POST /v1/companies/{id}/m365/sync', params: { id: companyId } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await drain();
    return (await call({ route: 'GET /v1/sync-jobs/{id}', params: { id: res.body.jobId } })).body;
  };

  it('counts the users it creates, disables, enables and removes, also for a contact staff moved elsewhere', async () => {
    const co = await company();
    const elsewhere = await company();
    const t = fakeTenant(engines.fake, 8, 0);
    await linkTenant(co.id, t.id);
    await drain();
    expect(await expectExact(co.id)).toEqual({ contacts: 8, activeContacts: 8 });

    const [a, b, c, d, e] = await contactsOf(co.id);
    engines.fake.patch(t.id, 'users', a!.externalId!, { accountEnabled: false });
    engines.fake.remove(t.id, 'users', b!.externalId!);
    // Moved to another company by staff, then disabled in the tenant: the other company's counter follows.
    expect((await move(c!.id, elsewhere.id)).status).toBe(200);
    engines.fake.patch(t.id, 'users', c!.externalId!, { accountEnabled: false });
    engines.fake.upsertUser(t.id, { id: randomUUID(), displayName: 'Off Boarded', givenName: 'Off', surname: 'Boarded', mail: `off.boarded@${t.domain}`, userPrincipalName: `off.boarded@${t.domain}`, jobTitle: null, mobilePhone: null, businessPhones: [], accountEnabled: false });
    expect(await sync(co.id)).toMatchObject({ status: 'completed', users: { created: 1, deactivated: 3 } });
    // In the company: a, b (off), d–h and the new user (off); c is elsewhere.
    expect(await expectExact(co.id)).toEqual({ contacts: 8, activeContacts: 5 });
    expect(await expectExact(elsewhere.id)).toEqual({ contacts: 1, activeContacts: 0 });

    engines.fake.patch(t.id, 'users', a!.externalId!, { accountEnabled: true });
    engines.fake.patch(t.id, 'users', c!.externalId!, { accountEnabled: true });
    await sync(co.id);
    expect(await expectExact(co.id)).toEqual({ contacts: 8, activeContacts: 6 });
    expect(await expectExact(elsewhere.id)).toEqual({ contacts: 1, activeContacts: 1 });

    // A full read (the delta token expired) deactivates the users gone meanwhile.
    engines.fake.remove(t.id, 'users', d!.externalId!);
    engines.fake.remove(t.id, 'users', e!.externalId!);
    engines.fake.expireDeltaTokens(t.id);
    expect(await sync(co.id)).toMatchObject({ status: 'completed', users: { deactivated: 2 } });
    expect(await expectExact(co.id)).toEqual({ contacts: 8, activeContacts: 4 });
  });
});

describe('the backfill of contacts written before the counter', () => {
  const now = '2025-06-01T00:00:00.000Z';
  /** A contact as the code before the counter wrote it (no `activeCounted`), with the company's `contacts` counter as that code kept it. */
  const oldContact = async (companyId: string | null, status: 'active' | 'inactive') => {
    const c = {
      id: ulid(),
      companyId,
      firstName: 'Old',
      lastName: `Timer${run}`,
      email: null,
      phone: null,
      title: null,
      status,
      portal: { status: 'none', invitedAt: null, activatedAt: null },
      counts: { tickets: 0, assets: 0 },
      source: 'manual',
      externalId: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await db().send(new PutCommand({ TableName: tableName(), Item: { ...keys.contact(c.id), ...keys.contactLists(c), type: 'Contact', ...c } }));
    if (companyId) {
      await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.company(companyId), UpdateExpression: 'ADD #c.#n :one', ExpressionAttributeNames: { '#c': 'counts', '#n': 'contacts' }, ExpressionAttributeValues: { ':one': 1 } }));
    }
    return c;
  };

  it('counts old contacts once, archived companies included; a second run changes nothing', async () => {
    const live = (await company()).id;
    const archived = (await company()).id;
    await contact(live); // written by the new code: counted already
    for (const s of ['active', 'active', 'active', 'inactive'] as const) await oldContact(live, s);
    for (const s of ['active', 'inactive'] as const) await oldContact(archived, s);
    const loose = await oldContact(null, 'active');
    expect((await call({ route: 'POST /v1/companies/{id}/archive', params: { id: archived } })).status).toBe(200);
    expect((await getCompany(live)).counts).toMatchObject({ contacts: 5, activeContacts: 1 });

    expect(await backfillActiveContacts()).toEqual({ marked: 7, counted: 4 });
    expect(await expectExact(live)).toEqual({ contacts: 5, activeContacts: 4 });
    // Archived: counted as it is (the listing route shows its contacts all the same).
    expect(await expectExact(archived)).toEqual({ contacts: 2, activeContacts: 1 });
    expect(Object.keys((await call({ route: 'GET /v1/contacts/{id}', params: { id: loose.id } })).body)).not.toContain('activeCounted');

    expect(await backfillActiveContacts()).toEqual({ marked: 0, counted: 0 });
    expect(await expectExact(live)).toEqual({ contacts: 5, activeContacts: 4 });
    expect(await expectExact(archived)).toEqual({ contacts: 2, activeContacts: 1 });

    // Once marked, the API's changes count them as any other.
    const old = (await contactsOf(live)).filter((c) => c.status === 'inactive');
    await setStatus(old[0]!.id, 'active');
    expect(await expectExact(live)).toEqual({ contacts: 5, activeContacts: 5 });
  });

  it('stays exact when the API changes a contact between the backfill\'s read and its write, and the other way round', async () => {
    const co = (await company()).id;
    const other = (await company()).id;
    const activated = await oldContact(co, 'inactive');
    const deactivated = await oldContact(co, 'active');
    const moved = await oldContact(co, 'active');
    for (let i = 0; i < 3; i++) await oldContact(co, i ? 'active' : 'inactive');

    // The API first: the backfill has read `activated` (unmarked, inactive) and `moved` (unmarked, active), and is about to
    // mark each, when the API activates the one and moves the other; the backfill finds them changed, reads again, skips them.
    const apiFirst = new Map<string, () => Promise<{ status: number }>>([
      [activated.id, () => setStatus(activated.id, 'active')],
      [moved.id, () => move(moved.id, other)],
    ]);
    const removeApiFirst = beforeDbRequest(async (command, input) => {
      if (command !== 'TransactWriteItems') return;
      const id = [...apiFirst.keys()].find((k) => JSON.stringify(input).includes(`CONTACT#${k}`));
      const change = id ? apiFirst.get(id) : undefined;
      if (!id || !change) return;
      apiFirst.delete(id);
      expect((await change()).status).toBe(200);
    });
    // The backfill first: the API has read `deactivated` (unmarked, active) when a whole backfill runs (the one above),
    // before the API's write; the write finds it counted now, reads again, and takes it off.
    let backfillFirst = false;
    const removeBackfillFirst = beforeDbRequest(async (command, input) => {
      if (backfillFirst || command !== 'TransactWriteItems' || !JSON.stringify(input).includes(`CONTACT#${deactivated.id}`)) return;
      backfillFirst = true;
      await backfillActiveContacts();
    });
    try {
      expect((await setStatus(deactivated.id, 'inactive')).status).toBe(200);
    } finally {
      removeApiFirst();
      removeBackfillFirst();
    }
    expect(backfillFirst).toBe(true);
    expect(apiFirst.size).toBe(0);
    expect(await expectExact(co)).toEqual({ contacts: 5, activeContacts: 3 });
    expect(await expectExact(other)).toEqual({ contacts: 1, activeContacts: 1 });
    expect(await backfillActiveContacts()).toEqual({ marked: 0, counted: 0 });
    expect(await expectExact(co)).toEqual({ contacts: 5, activeContacts: 3 });
  });
});
