/**
 * Retiring a customer on real DynamoDB Local and real queues: archive and restore, what an
 * archived company refuses, the deletion preview, the gated permanent delete (re-checked inside
 * its transaction, raced against an invoice and a rename), and the cleanup worker (unassigns
 * everything exactly once, survives a crash half-way and a Lambda running out of time).
 */
import { cleanupKinds } from '../../shared/companies/company-cleanup';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as cleanupHandler } from '../../functions/companies/cleanup-company';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { call, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true });

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;

const company = async (label = 'Co') => (await call({ route: 'POST /v1/companies', body: { name: unique(label) } })).body as { id: string; name: string };
const contact = async (companyId: string) =>
  (await call({ route: 'POST /v1/contacts', body: { firstName: 'Pat', lastName: `Lee${++n}`, email: `pat.${run}.${n}@example.com`, companyId } })).body as { id: string; version: number };
const ticket = async (companyId: string, contactId?: string) => (await call({ route: 'POST /v1/tickets', body: { companyId, contactId, subject: 'Help' } })).body as { id: string };
const invoice = async (companyId: string, balance: string) =>
  (await call({ route: 'POST /v1/invoices', body: { companyId, number: `INV-${++n}`, total: '100.00', balance, status: 'sent' } })).body as { id: string };
const archive = (id: string, reason?: string, groups: string[] = ['Admin']) =>
  call({ route: 'POST /v1/companies/{id}/archive', params: { id }, body: reason ? { reason } : undefined, groups: groups as never });
const getCompany = (id: string) => call({ route: 'GET /v1/companies/{id}', params: { id } });
const preview = (id: string) => call({ route: 'GET /v1/companies/{id}/deletion-preview', params: { id } });
const del = (id: string, confirmName: string, groups: string[] = ['SuperAdmin']) =>
  call({ route: 'DELETE /v1/companies/{id}', params: { id }, body: { confirmName }, groups: groups as never });
const ctx = (remaining = 300_000): Context => ({ ...lambdaContext, getRemainingTimeInMillis: () => remaining }) as Context;
const runCleanup = async (context = ctx()) => {
  const event = await engines.queues.take('company-cleanup');
  return { event, result: (await cleanupHandler(event as never, context)) as { batchItemFailures: unknown[] } };
};

describe('archive and restore', () => {
  it('archives with who, when and why, leaves operational views, and is idempotent', async () => {
    const co = await company('Archive');
    const res = await archive(co.id, 'Contract ended', ['ComplianceAdmin']);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'archived', archivedAt: expect.any(String), archivedBy: 'admin@msp.example', archiveReason: 'Contract ended', version: 2 });
    const active = await call({ route: 'GET /v1/companies', query: { q: co.name } });
    expect(active.body.items).toHaveLength(0);
    const archived = await call({ route: 'GET /v1/companies', query: { q: co.name, status: 'archived' } });
    expect(archived.body.items.map((c: { id: string }) => c.id)).toEqual([co.id]);
    const again = await archive(co.id, 'Other reason');
    expect(again.body).toEqual(res.body);
    const audit = await call({ route: 'GET /v1/companies/{id}/audit', params: { id: co.id } });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['company.archived', 'company.created']);
    expect(audit.body.items[0]).toMatchObject({ reason: 'Contract ended', changes: { status: { from: 'active', to: 'archived' } } });
    expect((await archive(co.id, undefined, ['Technician'])).status).toBe(403);
  });

  it('refuses new work while archived, and restore brings everything back unchanged', async () => {
    const co = await company('Paused');
    const ct = await contact(co.id);
    await ticket(co.id, ct.id);
    const before = (await getCompany(co.id)).body;
    await archive(co.id);
    const other = await company('Elsewhere');
    const loner = (await call({ route: 'POST /v1/contacts', body: { firstName: 'A', lastName: 'B', email: `ab.${run}@example.com`, companyId: other.id } })).body;
    const refusals = await Promise.all([
      call({ route: 'POST /v1/contacts', body: { firstName: 'A', lastName: 'B', email: `new.${run}@example.com`, companyId: co.id } }),
      call({ route: 'POST /v1/tickets', body: { companyId: co.id, subject: 'x' } }),
      call({ route: 'POST /v1/invoices', body: { companyId: co.id, number: 'I', total: '1' } }),
      call({ route: 'POST /v1/assets', body: { companyId: co.id, name: 'PC' } }),
      call({ route: 'POST /v1/companies/{id}/addresses', params: { id: co.id }, body: { line1: '1 High St', city: 'Leeds', country: 'GB' } }),
      call({ route: 'PATCH /v1/contacts/{id}', params: { id: loner.id }, body: { companyId: co.id } }),
      call({ route: 'PATCH /v1/companies/{id}', params: { id: co.id }, body: { industry: 'x' } }),
      call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: co.id }, body: { contactId: ct.id } }),
      call({ route: 'POST /v1/companies/{id}/compliance-organization', params: { id: co.id } }),
    ]);
    for (const r of refusals) expect(r.body.code).toBe('COMPANY_ARCHIVED');

    const restored = await call({ route: 'POST /v1/companies/{id}/restore', params: { id: co.id } });
    expect(restored.body).toMatchObject({ status: 'active', archivedAt: null, archivedBy: null, archiveReason: null, counts: before.counts });
    expect((await call({ route: 'GET /v1/companies/{id}/contacts', params: { id: co.id } })).body.items).toHaveLength(1);
    expect((await call({ route: 'GET /v1/companies', query: { q: co.name } })).body.items).toHaveLength(1);
  });
});

describe('permanent delete', () => {
  it('previews blockers and exact counts', async () => {
    const co = await company('Preview');
    const cts = [await contact(co.id), await contact(co.id)];
    const t = await ticket(co.id, cts[0]!.id);
    await call({ route: 'POST /v1/tickets/{id}/time-entries', params: { id: t.id }, body: { date: '2026-02-03', minutes: 30 } });
    await invoice(co.id, '25.00');
    await call({ route: 'POST /v1/companies/{id}/addresses', params: { id: co.id }, body: { line1: '1 High St', city: 'Leeds', country: 'GB', isBilling: true } });
    await call({ route: 'POST /v1/companies/{id}/compliance-organization', params: { id: co.id } });
    const p = await preview(co.id);
    expect(p.body).toEqual({
      blockers: [
        { code: 'NOT_ARCHIVED', message: expect.any(String) },
        { code: 'OUTSTANDING_INVOICES', message: expect.any(String) },
        { code: 'COMPLIANCE_TENANT_ACTIVE', message: expect.any(String) },
      ],
      unassign: { contacts: 2, tickets: 1, assets: 0, invoices: 1 },
      delete: { timeEntries: 1, slaPolicies: 0, addresses: 1, contracts: 0, installerTokens: 0 },
    });
    expect((await del(co.id, co.name)).body.code).toBe('NOT_ARCHIVED');
    await archive(co.id);
    expect((await del(co.id, co.name)).body.code).toBe('OUTSTANDING_INVOICES');
    // Every staff group reads (API.md "Roles"): a Technician sees the preview, and still may not archive.
    expect(await call({ route: 'GET /v1/companies/{id}/deletion-preview', params: { id: co.id }, groups: ['Technician'] })).toMatchObject({ status: 200, body: { unassign: p.body.unassign } });
    expect((await call({ route: 'POST /v1/companies/{id}/restore', params: { id: co.id }, groups: ['Technician'] })).body.code).toBe('FORBIDDEN_ROLE');
  });

  it('is SuperAdmin only, needs the exact name and every blocker cleared', async () => {
    const co = await company('Gate');
    const inv = await invoice(co.id, '10.00');
    await call({ route: 'POST /v1/companies/{id}/compliance-organization', params: { id: co.id } });
    await archive(co.id);
    expect((await del(co.id, co.name, ['Admin'])).body.code).toBe('FORBIDDEN_ROLE');
    expect((await del(co.id, co.name)).body.code).toBe('OUTSTANDING_INVOICES');
    // An archived company's invoices are preserved as they are: settle it after a restore.
    expect((await call({ route: 'PATCH /v1/invoices/{id}', params: { id: inv.id }, body: { balance: '0.00', status: 'paid' } })).body.code).toBe('COMPANY_ARCHIVED');
    await call({ route: 'POST /v1/companies/{id}/restore', params: { id: co.id } });
    await call({ route: 'PATCH /v1/invoices/{id}', params: { id: inv.id }, body: { balance: '0.00', status: 'paid' } });
    await archive(co.id);
    expect((await del(co.id, co.name)).body.code).toBe('COMPLIANCE_TENANT_ACTIVE');
    await call({ route: 'POST /v1/companies/{id}/compliance-organization/archive', params: { id: co.id }, groups: ['ComplianceAdmin'] });
    expect((await preview(co.id)).body.blockers).toEqual([]);
    const wrong = await del(co.id, co.name.toUpperCase());
    expect(wrong).toMatchObject({ status: 400, body: { code: 'CONFIRM_NAME_MISMATCH' } });
    const ok = await del(co.id, co.name);
    expect(ok).toMatchObject({ status: 202, body: { id: co.id, deleted: true, unassignJob: { id: expect.any(String), status: 'queued' } } });
    expect((await getCompany(co.id)).status).toBe(404);
    // The trail survives; the name is free again.
    const trail = await call({ route: 'GET /v1/audit', query: { companyId: co.id } });
    expect(trail.body.items[0]).toMatchObject({ action: 'company.deleted', actor: { email: 'admin@msp.example' } });
    expect((await call({ route: 'POST /v1/companies', body: { name: co.name } })).status).toBe(201);
    await runCleanup();
  });

  it('races an invoice balance against the delete: the archived invoice never changes, the delete goes through', async () => {
    for (let i = 0; i < 6; i++) {
      const co = await company('RaceInv');
      const inv = await invoice(co.id, '0.00');
      await archive(co.id);
      const [patched, deleted] = await Promise.all([
        call({ route: 'PATCH /v1/invoices/{id}', params: { id: inv.id }, body: { balance: '500.00' } }),
        del(co.id, co.name),
      ]);
      expect(deleted.status).toBe(202);
      // Refused as archived, or (the company gone, cleanup pending) as still the archive's.
      expect(patched).toMatchObject({ status: 409, body: { code: 'COMPANY_ARCHIVED' } });
      expect((await call({ route: 'GET /v1/invoices/{id}', params: { id: inv.id } })).body.balance).toBe('0.00');
      await engines.queues.take('company-cleanup');
    }
  });

  it('races a rename against the delete: never both', async () => {
    for (let i = 0; i < 6; i++) {
      const co = await company('RaceName');
      await archive(co.id);
      const rename = db()
        .send(
          new UpdateCommand({
            TableName: tableName(),
            Key: keys.company(co.id),
            UpdateExpression: 'SET #n = :n',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#n': 'name' },
            ExpressionAttributeValues: { ':n': `${co.name} renamed` },
          }),
        )
        .then(
          () => 'renamed',
          () => 'gone',
        );
      const [renamed, deleted] = await Promise.all([rename, del(co.id, co.name)]);
      if (deleted.status === 202) expect(renamed).toBe('gone');
      else {
        expect(renamed).toBe('renamed');
        expect(deleted.body.code).toBe('CONFIRM_NAME_MISMATCH');
      }
      await engines.queues.take('company-cleanup');
    }
  });
});

describe('cleanup worker', () => {
  const retire = async (contacts: number, tickets: number) => {
    const co = await company('Retire');
    const cts = await Promise.all(Array.from({ length: contacts }, () => contact(co.id)));
    const tks = await Promise.all(Array.from({ length: tickets }, (_, i) => ticket(co.id, cts[i % cts.length]!.id)));
    for (const t of tks) await call({ route: 'POST /v1/tickets/{id}/time-entries', params: { id: t.id }, body: { date: '2026-02-03', minutes: 30 } });
    await call({ route: 'POST /v1/companies/{id}/addresses', params: { id: co.id }, body: { line1: '1 High St', city: 'Leeds', country: 'GB', isBilling: true } });
    await archive(co.id);
    const job = (await del(co.id, co.name)).body.unassignJob.id as string;
    return { co, cts, tks, job };
  };
  const job = async (id: string) => (await call({ route: 'GET /v1/jobs/{id}', params: { id } })).body;

  it('unassigns every record (kept, companyId null) and deletes the company data, with progress', async () => {
    const { co, cts, tks, job: jobId } = await retire(3, 4);
    expect((await job(jobId)).status).toBe('queued');
    const { result } = await runCleanup();
    expect(result.batchItemFailures).toEqual([]);
    const done = await job(jobId);
    expect(done).toMatchObject({ status: 'done', companyId: co.id });
    expect(done.progress).toMatchObject({ contacts: { total: 3, done: 3, complete: true }, tickets: { total: 4, done: 4, complete: true }, timeEntries: { total: 4, done: 4, complete: true }, addresses: { total: 1, done: 1 } });
    // Time entries are deleted with the company; their tickets are kept.
    expect((await call({ route: 'GET /v1/tickets/{id}/time-entries', params: { id: tks[0]!.id } })).body.items).toEqual([]);
    for (const c of cts) expect((await call({ route: 'GET /v1/contacts/{id}', params: { id: c.id } })).body.companyId).toBeNull();
    for (const t of tks) expect((await call({ route: 'GET /v1/tickets/{id}', params: { id: t.id } })).body.companyId).toBeNull();
    const unassigned = await call({ route: 'GET /v1/contacts', query: { unassigned: 'true', limit: '100' } });
    expect(unassigned.body.items.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(cts.map((c) => c.id)));
    // Their search tokens moved with them: found among the unassigned, no longer in the company's search partition.
    const email = (await call({ route: 'GET /v1/contacts/{id}', params: { id: cts[0]!.id } })).body.email as string;
    expect((await call({ route: 'GET /v1/contacts', query: { unassigned: 'true', q: email } })).body.items.map((c: { id: string }) => c.id)).toEqual([cts[0]!.id]);
    expect((await call({ route: 'GET /v1/companies/{id}/addresses', params: { id: co.id } })).status).toBe(404);
  });

  it('survives a crash half-way: the redelivered message finishes, nothing missed or done twice', async () => {
    const { cts, tks, job: jobId } = await retire(40, 30);
    const event = await engines.queues.take('company-cleanup');
    // The fault a real engine cannot show: the function dies after two transactions.
    let transactions = 0;
    const crash = 'crash-test';
    db().middlewareStack.add(
      (next, context) => async (args) => {
        if (/TransactWrite/.test(String(context.commandName)) && ++transactions > 2) throw new Error('Lambda killed');
        return next(args);
      },
      { step: 'initialize', name: crash },
    );
    try {
      // Its only record failed, so the whole invocation fails and SQS will deliver the message again.
      await expect(cleanupHandler(event as never, ctx())).rejects.toThrow(/failed/);
    } finally {
      db().middlewareStack.remove(crash);
    }
    const partial = await job(jobId);
    expect(partial.status).toBe('running');
    // Two pages of contacts committed (a contact's page is smaller than 25: each moves its search tokens with it).
    const contactsPage = cleanupKinds.find((k) => k.kind === 'contacts')!.page!;
    expect(partial.progress.contacts.done).toBe(Math.min(40, 2 * contactsPage));
    expect(partial.progress.tickets.done).toBe(0);

    const second = (await cleanupHandler(event as never, ctx())) as { batchItemFailures: unknown[] };
    expect(second.batchItemFailures).toEqual([]);
    const finished = await job(jobId);
    expect(finished.progress).toMatchObject({ contacts: { total: 40, done: 40 }, tickets: { total: 30, done: 30 } });
    // Each record was changed exactly once: its version went from 1 to 2.
    for (const c of cts) expect((await call({ route: 'GET /v1/contacts/{id}', params: { id: c.id } })).body).toMatchObject({ companyId: null, version: 2 });
    for (const t of tks) expect((await call({ route: 'GET /v1/tickets/{id}', params: { id: t.id } })).body).toMatchObject({ companyId: null, version: 2 });
    // A third delivery after the end changes nothing.
    await cleanupHandler(event as never, ctx());
    expect((await job(jobId)).progress.contacts.done).toBe(40);
  });

  it('hands over to a new message when the Lambda runs short of time', async () => {
    const { job: jobId } = await retire(2, 1);
    const { result } = await runCleanup(ctx(5_000));
    expect(result.batchItemFailures).toEqual([]);
    expect((await job(jobId)).status).toBe('queued');
    const continuation: SQSEvent = await engines.queues.take('company-cleanup');
    expect(continuation.Records).toHaveLength(1);
    await cleanupHandler(continuation as never, ctx());
    expect((await job(jobId)).status).toBe('done');
  });
});
