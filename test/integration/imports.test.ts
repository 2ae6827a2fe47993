/**
 * The import worker's guarantees, driven by hand on real DynamoDB Local and real queues:
 * a redelivered message, sequential or concurrent, imports and counts nothing twice; a run
 * killed half-way resumes from its checkpoint without duplicating or losing a row; a run short
 * of Lambda time hands over; emails already taken, and a company archived mid-import, are
 * found by the group's own transaction and cost one more transaction per group, not one per
 * row; every hostile file ends its job in one delivery; errors.csv neutralises formulas.
 */
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as createImport } from '../../functions/imports/create-import';
import { handler as runImport } from '../../functions/imports/run-import';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { transact } from '../../shared/db/transact';
import { searchTokens } from '../../shared/contacts/contact-search';
import { failImport, rowErrorItems, startImport } from '../../shared/imports/import.repository';
import { GROUP_ITEMS } from '../../shared/imports/import.rows';
import { archiveDirectly } from '../helpers/data';
import { countDbRequests } from '../helpers/db-requests';
import { call, httpEvent, invoke, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true });

const run = Math.random().toString(36).slice(2, 8);
const ctx = (remaining = 900_000): Context => ({ ...lambdaContext, getRemainingTimeInMillis: () => remaining }) as Context;
const file = (rows: number, tag: string) => ['firstName,lastName,email', ...Array.from({ length: rows }, (_, i) => `F${i},L${i},${tag}.${i}.${run}@example.com`)].join('\n');
const upload = async (csv: string | Buffer, type: 'contacts' | 'companies' = 'contacts') => {
  // Sent as bytes (base64, as API Gateway passes a body it cannot show as text), so files that are not UTF-8 arrive as they are.
  const event = { ...httpEvent({ route: 'POST /v1/imports', query: { type }, rawBody: '', headers: { 'content-type': 'text/csv' } }), body: Buffer.from(csv).toString('base64'), isBase64Encoded: true };
  const res = await invoke(createImport, event);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id as string;
};
/** A middleware on the DynamoDB client for the length of `fn`. */
const withHook = async <T>(name: string, hook: (commandName: string, send: () => Promise<unknown>, input: Record<string, unknown>) => Promise<unknown>, fn: () => Promise<T>): Promise<T> => {
  db().middlewareStack.add((next, context) => (args) => hook(String(context.commandName), () => next(args), args.input as Record<string, unknown>) as never, { step: 'initialize', name });
  try {
    return await fn();
  } finally {
    db().middlewareStack.remove(name);
  }
};
const job = async (id: string) => (await call({ route: 'GET /v1/imports/{id}', params: { id } })).body;
/** Every item a list route finds for `q`, every page (a filtered page may be empty yet have a next one). */
const listAll = async (route: 'GET /v1/contacts' | 'GET /v1/companies', q: string) => {
  const items: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  do {
    const page = await call({ route, query: { q, limit: '100', ...(cursor ? { cursor } : {}) } });
    items.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
};
const countListed = async (route: 'GET /v1/contacts' | 'GET /v1/companies', q: string) => (await listAll(route, q)).length;
const contactsTagged = (tag: string) => countListed('GET /v1/contacts', `${tag}.`);

describe('import worker', () => {
  /** 120 good rows, then 5 bad emails and 5 repeats of earlier rows' emails. */
  const mixed = (tag: string) => [file(120, tag), ...Array.from({ length: 5 }, (_, i) => `Bad${i},Row,not-an-email-${i}`), ...Array.from({ length: 5 }, (_, i) => `Again${i},Row,${tag}.${i * 20}.${run}@example.com`)].join('\n');
  const exact = { status: 'completed', totalRows: 130, processedRows: 130, created: 120, skippedDuplicates: 5, failed: 5 };

  it('is idempotent under redelivery: the same message twice, one after the other, counts each row once', async () => {
    const id = await upload(mixed('redeliver'));
    const event = await engines.queues.take('imports');
    await runImport(event as never, ctx());
    await runImport(event as never, ctx());
    expect(await job(id)).toMatchObject(exact);
    expect(await contactsTagged('redeliver')).toBe(120);
  });

  it('counts each row once when two deliveries of the same message run at once', async () => {
    const id = await upload(mixed('twice'));
    const event = await engines.queues.take('imports');
    await Promise.all([runImport(event as never, ctx()), runImport(event as never, ctx())]);
    expect(await job(id)).toMatchObject(exact);
    expect(await contactsTagged('twice')).toBe(120);
  });

  it('counts each row once when a second delivery runs while the first is held mid-way with groups committed out of order', async () => {
    // Companies of varying cost (every third with an address): cut by what the database
    // holds, the two deliveries would cut different groups and count the rows the other
    // committed as duplicates; cut from the file alone, they cut the same ones.
    const tag = `Held ${run}`;
    const rows = Array.from({ length: 200 }, (_, i) => (i % 3 ? `${tag} ${i},,,,,` : `${tag} ${i},${i} High St,Leeds,,LS1 1AA,GB`));
    const id = await upload(['name,line1,city,region,postalCode,country', ...rows].join('\n'), 'companies');
    const event = await engines.queues.take('imports');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let sent = 0;
    let committed = 0;
    await withHook(
      'hold-first-transaction',
      async (command, send) => {
        if (!/TransactWrite/.test(command)) return send();
        // The first delivery's first group waits; its next ones commit.
        if (++sent === 1) await held;
        try {
          return await send();
        } finally {
          committed++;
        }
      },
      async () => {
        const first = runImport(event as never, ctx());
        while (committed < 3) await new Promise((r) => setTimeout(r, 10));
        await runImport(event as never, ctx());
        release();
        await first;
      },
    );
    expect(await job(id)).toMatchObject({ status: 'completed', totalRows: 200, processedRows: 200, created: 200, skippedDuplicates: 0, failed: 0 });
    expect(await countListed('GET /v1/companies', tag)).toBe(200);
  });

  it('resumes a run killed half-way from its checkpoint: nothing duplicated, nothing lost', async () => {
    const id = await upload(file(300, 'killed'));
    const event = await engines.queues.take('imports');
    let transactions = 0;
    const kill = 'kill-import';
    db().middlewareStack.add(
      (next, context) => async (args) => {
        if (/TransactWrite/.test(String(context.commandName)) && ++transactions > 3) throw new Error('Lambda killed');
        return next(args);
      },
      { step: 'initialize', name: kill },
    );
    try {
      await expect(runImport(event as never, ctx())).rejects.toThrow();
    } finally {
      db().middlewareStack.remove(kill);
    }
    const partial = await job(id);
    expect(partial.status).toBe('running');
    expect(partial.processedRows).toBeGreaterThan(0);
    expect(partial.processedRows).toBeLessThan(300);
    await runImport(event as never, ctx());
    expect(await job(id)).toMatchObject({ status: 'completed', processedRows: 300, created: 300, skippedDuplicates: 0, failed: 0 });
    expect(await contactsTagged('killed')).toBe(300);
  });

  it('hands over to a new message before the Lambda timeout, and the continuation finishes', async () => {
    const id = await upload(file(100, 'handover'));
    await runImport((await engines.queues.take('imports')) as never, ctx(30_000));
    expect((await job(id)).status).toBe('running');
    const continuation = await engines.queues.take('imports');
    expect(continuation.Records).toHaveLength(1);
    await runImport(continuation as never, ctx());
    expect(await job(id)).toMatchObject({ status: 'completed', created: 100 });
  });

  it('makes imported contacts searchable: their search tokens commit with them', async () => {
    const co = (await call({ route: 'POST /v1/companies', body: { name: `Search Import ${run}` } })).body as { id: string; name: string };
    const id = await upload(['firstName,lastName,email,company', `Zoë,Müller${run},zoe.${run}@example.com,${co.name}`, `Ana,Peña${run},ana.${run}@example.com,`].join('\n'));
    await runImport((await engines.queues.take('imports')) as never, ctx());
    expect(await job(id)).toMatchObject({ status: 'completed', created: 2 });
    const found = async (query: Record<string, string>) => ((await call({ route: 'GET /v1/contacts', query })).body.items as { email: string }[]).map((c) => c.email);
    expect(await found({ q: `MULLER${run}` })).toEqual([`zoe.${run}@example.com`]);
    expect(await found({ q: `zoe muller${run}`, companyId: co.id })).toEqual([`zoe.${run}@example.com`]);
    expect(await found({ q: `pena${run}`, unassigned: 'true' })).toEqual([`ana.${run}@example.com`]);
  });

  it('skips emails already in the database with one more transaction per batch, however many collide', async () => {
    const tag = 'collide';
    for (const i of [0, 7, 8, 9, 20, 39]) expect((await call({ route: 'POST /v1/contacts', body: { firstName: 'Pre', lastName: `Existing${i}`, email: `${tag}.${i}.${run}@example.com` } })).status).toBe(201);
    const id = await upload(file(40, tag));
    const event = await engines.queues.take('imports');
    const requests = countDbRequests();
    await runImport(event as never, ctx());
    const workerCalls = [...requests.calls];
    expect(await job(id)).toMatchObject({ status: 'completed', processedRows: 40, created: 34, skippedDuplicates: 6, failed: 0 });
    expect(await contactsTagged(tag)).toBe(40);
    // A row writes its contact, email guard and search tokens: the 40 rows are cut into groups of at most GROUP_ITEMS items.
    const groups = Math.ceil(40 / Math.floor(GROUP_ITEMS / (2 + searchTokens({ firstName: 'F0', lastName: 'L0', email: `${tag}.0.${run}@example.com` }).length)));
    expect(groups).toBeGreaterThan(1);
    // No read ahead of the write: per group, one transaction that names its collisions, then one with the rest.
    expect(workerCalls.filter((c) => c === 'TransactWriteItems')).toHaveLength(2 * groups);
    expect(workerCalls).not.toContain('BatchGetItem');

    // The same file again: every row collides, still two transactions per group.
    const again = await upload(file(40, tag));
    requests.reset();
    await runImport((await engines.queues.take('imports')) as never, ctx());
    expect(await job(again)).toMatchObject({ status: 'completed', processedRows: 40, created: 0, skippedDuplicates: 40 });
    expect(requests.calls.filter((c) => c === 'TransactWriteItems')).toHaveLength(2 * groups);
  });

  it('reports the rows of a company archived while they commit, and commits the rest', async () => {
    const name = `Archived Mid-Import ${run}`;
    const company = (await call({ route: 'POST /v1/companies', body: { name } })).body as { id: string };
    const csv = ['firstName,lastName,email,company', ...Array.from({ length: 10 }, (_, i) => `F${i},L${i},midarchive.${i}.${run}@example.com,${i % 2 ? name : ''}`)].join('\n');
    const id = await upload(csv);
    const event = await engines.queues.take('imports');
    // The company is archived after the rows were checked, just before their transaction.
    let archived = false;
    const hook = 'archive-before-commit';
    db().middlewareStack.add(
      (next, context) => async (args) => {
        if (!archived && /TransactWrite/.test(String(context.commandName))) {
          archived = true;
          await archiveDirectly(company.id);
        }
        return next(args);
      },
      { step: 'initialize', name: hook },
    );
    try {
      await runImport(event as never, ctx());
    } finally {
      db().middlewareStack.remove(hook);
    }
    const done = await job(id);
    expect(done).toMatchObject({ status: 'completed', processedRows: 10, created: 5, failed: 5 });
    expect(done.errors.map((e: { row: number }) => e.row)).toEqual([3, 5, 7, 9, 11]);
    expect(done.errors.every((e: { field: string; message: string }) => e.field === 'company' && /archived or removed during the import/.test(e.message))).toBe(true);
    expect(await contactsTagged('midarchive')).toBe(5);
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: company.id } })).body.counts.contacts).toBe(0);
  });
});

describe('failures', () => {
  it('fails the job with INTERNAL when DynamoDB refuses the rows as invalid (a retry would be refused the same), instead of leaving it to the DLQ', async () => {
    const id = await upload(file(10, 'refused'));
    const event = await engines.queues.take('imports');
    // The real engine refuses the transaction: one of its items made larger than an item may be.
    const result = (await withHook(
      'oversize-put',
      async (command, send, input) => {
        const put = /TransactWrite/.test(command) ? (input as { TransactItems: { Put?: { Item: Record<string, unknown> } }[] }).TransactItems.find((i) => i.Put)?.Put : undefined;
        if (put) put.Item = { ...put.Item, padding: 'p'.repeat(420 * 1024) };
        return send();
      },
      () => runImport(event as never, ctx()),
    )) as SQSBatchResponse;
    expect(result.batchItemFailures).toEqual([]);
    expect(await job(id)).toMatchObject({ status: 'failed', processedRows: 0, error: { code: 'INTERNAL' } });
  });

  it('leaves an ended job ended: a late delivery cannot turn it back to running or failed', async () => {
    const id = await upload(file(3, 'ended'));
    await runImport((await engines.queues.take('imports')) as never, ctx());
    expect(await startImport(id, 3, ['firstName'])).toBe(false);
    expect(await failImport(id, { code: 'INTERNAL', message: 'late' })).toBe(false);
    expect(await job(id)).toMatchObject({ status: 'completed', created: 3, error: null });
  });
});

describe('hostile files', () => {
  const MB = 1024 * 1024;
  const header = 'firstName,lastName,email';
  const email = (who: string) => `${who}.hostile.${run}@example.com`;
  /** Each file, what its job ends as, and (optionally) the rows it reports. */
  const cases: { name: string; file: () => Buffer | string; ends: Record<string, unknown>; errors?: { row: number; code: string }[] }[] = [
    { name: 'a bare quote inside an unquoted field, as spreadsheets write', file: () => `${header}\nAnn "Al",Smith,${email('bare')}\n`, ends: { status: 'completed', created: 1 } },
    { name: 'text after a closing quote', file: () => `${header}\n"Ann" Al,Smith,${email('afterquote')}\n`, ends: { status: 'completed', created: 1 } },
    { name: 'a quote never closed, up to the end of the file', file: () => `${header}\nBob,Lee,${email('unclosed1')}\n"Ann,Smith,${email('unclosed2')}\n`, ends: { status: 'failed', processedRows: 0, error: { code: 'CSV_MALFORMED', message: expect.stringMatching(/line 3 is never closed/) } } },
    {
      name: 'a 4 MB field (larger than a DynamoDB item) between two good rows',
      file: () => `${header},title\nAnn,Smith,${email('big1')},\nBig,Field,${email('big2')},${'x'.repeat(4 * MB)}\nBob,Lee,${email('big3')},\n`,
      ends: { status: 'completed', processedRows: 3, created: 2, failed: 1 },
      errors: [{ row: 3, code: 'ROW_TOO_LARGE' }],
    },
    { name: 'a 5 MB single line (no line break at all)', file: () => `${header},${'y'.repeat(5 * MB - header.length - 1)}`, ends: { status: 'failed', error: { code: 'CSV_HEADER_TOO_LARGE', message: expect.any(String) } } },
    { name: 'a 5 MB data line', file: () => `${header}\n${'z'.repeat(5 * MB - header.length - 1)}`, ends: { status: 'completed', processedRows: 1, failed: 1 }, errors: [{ row: 2, code: 'ROW_TOO_LARGE' }] },
    { name: 'NUL bytes', file: () => `${header}\nAnn\0,Smith,${email('nul')}\n`, ends: { status: 'failed', error: { code: 'CSV_NOT_TEXT', message: expect.any(String) } } },
    { name: 'invalid UTF-8 (a Latin-1 file)', file: () => Buffer.from(`${header}\nRen\xe9,Smith,${email('latin1')}\n`, 'latin1'), ends: { status: 'failed', error: { code: 'CSV_NOT_UTF8', message: expect.any(String) } } },
    { name: 'UTF-8 cut inside its last character', file: () => Buffer.concat([Buffer.from(`${header}\nJos,Smith,${email('cut')}\nJos`), Buffer.from([0xc3])]), ends: { status: 'failed', error: { code: 'CSV_NOT_UTF8', message: expect.any(String) } } },
    { name: 'only a BOM', file: () => Buffer.from([0xef, 0xbb, 0xbf]), ends: { status: 'failed', error: { code: 'CSV_EMPTY', message: expect.any(String) } } },
    { name: 'nothing at all', file: () => '', ends: { status: 'failed', error: { code: 'CSV_EMPTY', message: expect.any(String) } } },
    { name: 'only blank lines', file: () => '\r\n\n  \n', ends: { status: 'failed', error: { code: 'CSV_EMPTY', message: expect.any(String) } } },
    { name: 'a header only', file: () => `${header}\r\n`, ends: { status: 'completed', totalRows: 0, processedRows: 0, created: 0 } },
    { name: 'a header with a column twice (the first counts)', file: () => `email,firstName,lastName,email\n${email('dupcol')},Dup,Cols,other@example.com\n`, ends: { status: 'completed', created: 1 } },
    { name: 'mixed delimiters in the header', file: () => `firstName;lastName,email\nAnn;Smith,${email('mixedhead')}\n`, ends: { status: 'failed', error: { code: 'CSV_MISSING_COLUMNS', message: expect.stringMatching(/firstName, lastName/) } } },
    { name: 'mixed delimiters in a row', file: () => `${header}\nAnn;Smith;${email('mixedrow1')}\nBob,Lee,${email('mixedrow2')}\n`, ends: { status: 'completed', created: 1, failed: 1 }, errors: [{ row: 2, code: 'VALIDATION_FAILED' }] },
    { name: 'CR-only line endings (old Mac)', file: () => `${header}\rAnn,Smith,${email('cr1')}\rBob,Lee,${email('cr2')}\r`, ends: { status: 'completed', totalRows: 2, created: 2 } },
    {
      name: '5,000 columns',
      file: () => `${header},${Array.from({ length: 4997 }, (_, i) => `x${i}`).join(',')}\nAnn,Many,${email('columns')}${','.repeat(4997)}\n`,
      ends: { status: 'completed', created: 1 },
    },
    { name: '20,000 columns (a header larger than the job keeps)', file: () => `${header},${Array.from({ length: 20_000 }, (_, i) => `extra${i}`).join(',')}\n`, ends: { status: 'failed', error: { code: 'CSV_HEADER_TOO_LARGE', message: expect.any(String) } } },
    {
      name: 'a company cell longer than any company name (never looked up)',
      file: () => `${header},company\nAnn,Smith,${email('longco')},${'C'.repeat(3000)}\n`,
      ends: { status: 'completed', failed: 1 },
      errors: [{ row: 2, code: 'UNKNOWN_COMPANY' }],
    },
  ];

  it.each(cases)('$name: ends in one delivery, never stuck', async ({ file, ends, errors }) => {
    const started = Date.now();
    const id = await upload(file());
    const result = (await runImport((await engines.queues.take('imports')) as never, ctx())) as SQSBatchResponse;
    // Nothing is left for SQS to deliver again: the job ended in this delivery.
    expect(result.batchItemFailures).toEqual([]);
    const ended = await job(id);
    expect(ended).toMatchObject(ends);
    expect(ended.status === 'failed' ? ended.errors[0] : undefined).toEqual(ended.status === 'failed' ? { row: 0, field: null, ...ended.error } : undefined);
    if (errors) expect(ended.errors.map((e: { row: number; code: string }) => ({ row: e.row, code: e.code }))).toEqual(errors);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reads a bare quote as text, as a spreadsheet does', async () => {
    expect(await listAll('GET /v1/contacts', email('bare'))).toMatchObject([{ firstName: 'Ann "Al"', lastName: 'Smith' }]);
    expect(await listAll('GET /v1/contacts', email('dupcol'))).toMatchObject([{ firstName: 'Dup', email: email('dupcol') }]);
  });

  it('keeps a cut copy of a row too large to store in errors.csv', async () => {
    const id = await upload(`${header},title\nBig,Field,${email('cutcopy')},${'x'.repeat(4 * MB)}\n`);
    await runImport((await engines.queues.take('imports')) as never, ctx());
    const csv = (await call({ route: 'GET /v1/imports/{id}/errors.csv', params: { id } })).body as string;
    const [head, line] = csv.trimEnd().split('\r\n');
    expect(head).toBe('firstName,lastName,email,title,error');
    expect(line).toMatch(new RegExp(`^Big,Field,${email('cutcopy').replace(/\./g, '\\.')},x{1000},"The row is 4097 KB; a row may hold at most 256 KB\. Its cells are cut to 1000 characters in errors\.csv\."$`));
  });
});

describe('items of an import (issue 15: the job item holds progress only)', () => {
  it('keeps the header in its own item and a group\'s failed rows in one item; GET and errors.csv read them in row order', async () => {
    // A wide header (about 30 KB of ignored columns) and 150 rows, every one failing: four groups of at most 40 rows.
    const extra = Array.from({ length: 3000 }, (_, i) => `extra${i}`);
    const rows = Array.from({ length: 150 }, (_, i) => `Bad${i},Row,not-an-email-${i}`);
    const id = await upload([['firstName', 'lastName', 'email', ...extra].join(','), ...rows].join('\n'));
    await runImport((await engines.queues.take('imports')) as never, ctx());
    const done = await job(id);
    expect(done).toMatchObject({ status: 'completed', totalRows: 150, processedRows: 150, failed: 150, created: 0 });
    expect(done.errors.map((e: { row: number }) => e.row)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));

    const jobItem = (await db().send(new GetCommand({ TableName: tableName(), Key: keys.importJob(id), ConsistentRead: true }))).Item!;
    expect(jobItem.header).toBeUndefined();
    expect(JSON.stringify(jobItem).length).toBeLessThan(2_000);
    const header = (await db().send(new GetCommand({ TableName: tableName(), Key: keys.importHeader(id), ConsistentRead: true }))).Item!;
    expect(header.header).toHaveLength(3 + extra.length);
    const errorItems = (await db().send(new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)', ExpressionAttributeValues: { ':pk': keys.importPartition(id), ':e': 'IMPORTERROR' }, ConsistentRead: true }))).Items!;
    // One item per group (each group's transaction wrote its rows' errors as one item), not one per row.
    expect(errorItems.map((e) => (e.errors as unknown[]).length)).toEqual([40, 40, 40, 30]);
    expect(errorItems.map((e) => e.sk)).toEqual([2, 42, 82, 122].map((row) => keys.importErrors(id, row).sk));

    const csv = (await call({ route: 'GET /v1/imports/{id}/errors.csv', params: { id } })).body as string;
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(`firstName,lastName,email,${extra.join(',')},error`);
    expect(lines).toHaveLength(151);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(Array.from({ length: 150 }, (_, i) => `Bad${i}`));
  });
});

describe('errors.csv', () => {
  it('neutralises formulas in every cell (OWASP CSV injection), and an upload of it reads them back as they were', async () => {
    const tag = `formula${run}`;
    const csv = [
      'firstName,lastName,email,phone,@note',
      `=HYPERLINK("http://evil.example"),Smith,not-an-email,+44 20 7946 0000,-1`,
      `@SUM(A1),Lee,also-bad,"\tTab","\rCR"`,
      `Plain,Row,${tag}@example.com,,`,
    ].join('\r\n');
    const id = await upload(csv);
    await runImport((await engines.queues.take('imports')) as never, ctx());
    expect(await job(id)).toMatchObject({ status: 'completed', created: 1, failed: 2 });
    // The `error` column is text the import wrote, from what the file held: it is neutralised too.
    await transact(rowErrorItems(id, [{ row: 99, field: null, code: 'VALIDATION_FAILED', message: '=1+2', fields: ['+1', 'a', 'b', 'c', 'd'] }]));
    const res = await call({ route: 'GET /v1/imports/{id}/errors.csv', params: { id } });
    expect(res.body.split('\r\n')).toEqual([
      "firstName,lastName,email,phone,'@note,error",
      `"'=HYPERLINK(""http://evil.example"")",Smith,not-an-email,'+44 20 7946 0000,'-1,email: Must be an email address`,
      `'@SUM(A1),Lee,also-bad,'\tTab,"'\rCR",email: Must be an email address`,
      "'+1,a,b,c,d,'=1+2",
      '',
    ]);
    // Fixed and uploaded again: the prefix the download added is not imported.
    const fixed = (res.body as string).replace('not-an-email', `${tag}.h@example.com`).replace(',also-bad,', `,${tag}.s@example.com,`).replace(/'\+1,a,b,c,d,'=1\+2\r\n/, '');
    const again = await upload(fixed);
    await runImport((await engines.queues.take('imports')) as never, ctx());
    // The tab comes back as it was, and a single-line field refuses control characters (shared/common/schemas.ts).
    expect(await job(again)).toMatchObject({ status: 'completed', created: 1, failed: 1, errors: [expect.objectContaining({ row: 3, field: 'phone' })] });
    expect(await listAll('GET /v1/contacts', `${tag}.h`)).toMatchObject([{ firstName: '=HYPERLINK("http://evil.example")', phone: '+44 20 7946 0000' }]);
    expect(await listAll('GET /v1/contacts', `${tag}.s`)).toEqual([]);
  });
});
