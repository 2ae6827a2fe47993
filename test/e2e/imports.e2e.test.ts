/**
 * CSV imports through the API and the real `imports` queue on the whole local stack, with
 * files as people make them (test/fixtures/imports): what is created, skipped and refused,
 * the row numbers, errors.csv round-tripped, the template. The 50,000-row file is
 * test/scale/imports.test.ts (`npm run test:scale`).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile as importAndWait } from '../support/imports';
import { login, startStack, type TestStack } from '../support/stack';

let stack: TestStack;
let token: string;
beforeAll(async () => {
  stack = await startStack();
  const admin = stack.info.users.find((u) => u.groups[0] === 'Admin')!;
  token = (await login(stack.info, admin.email, admin.password, 'staff')).idToken;
  for (const name of ['Fabrikam', 'Northwind Traders', 'Archived Holdings']) await api('POST', '/v1/companies', { name });
  const archived = (await api('GET', '/v1/companies?q=archived')).body.items[0];
  await api('POST', `/v1/companies/${archived.id}/archive`, { reason: 'Gone' });
  const fabrikam = await companyId('Fabrikam');
  await api('POST', '/v1/contacts', { firstName: 'Existing', lastName: 'Person', email: 'existing.person@fabrikam.example', companyId: fabrikam });
});
afterAll(async () => stack?.stop());

const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${stack.info.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? (body as never) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text };
};
const companyId = async (name: string) => (await api('GET', `/v1/companies?q=${encodeURIComponent(name)}`)).body.items[0].id as string;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/imports/${name}`, import.meta.url));

/** Uploads a file and waits for its job to end. */
const importFile = (type: 'contacts' | 'companies', file: Buffer | string, timeoutMs?: number) => importAndWait(stack.info, token, type, file, timeoutMs);

describe('contacts import', () => {
  it('imports an Excel-style file: BOM, semicolons, CRLF, quoted line breaks, aliases, extra columns, blank lines', async () => {
    const job = await importFile('contacts', fixture('contacts-excel-semicolon.csv'));
    expect(job).toMatchObject({ status: 'completed', totalRows: 3, processedRows: 3, created: 3, skippedDuplicates: 0, failed: 0, errors: [] });
    const northwind = await companyId('Northwind Traders');
    const contacts = (await api('GET', `/v1/companies/${northwind}/contacts`)).body.items;
    expect(contacts.map((c: { email: string }) => c.email).sort()).toEqual(['ann.smith@northwind.example', 'jane.doe@northwind.example']);
    expect(contacts.find((c: { firstName: string }) => c.firstName === 'Ann "Annie"')).toMatchObject({ title: 'Office Manager', source: 'csv' });
    expect(contacts.find((c: { firstName: string }) => c.firstName === 'Jane')).toMatchObject({ phone: '+44 7700 900001', title: 'Head of IT; Ops' });
    const bob = (await api('GET', '/v1/contacts?unassigned=true&q=bob')).body.items;
    expect(bob).toMatchObject([{ email: 'bob.lee@example.org', companyId: null }]);
    expect((await api('GET', `/v1/companies/${northwind}`)).body.counts.contacts).toBe(2);
  });

  it('skips duplicates, reports bad rows by spreadsheet line, imports the rest, and round-trips errors.csv', async () => {
    const job = await importFile('contacts', fixture('contacts-messy.csv'));
    expect(job).toMatchObject({ status: 'completed', totalRows: 8, processedRows: 8, created: 2, skippedDuplicates: 2, failed: 4 });
    expect(job.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [3, 'email'],
      [4, 'company'],
      [5, 'firstName'],
      [7, 'company'],
    ]);
    expect(job.errors[2].message).toMatch(/firstName/);
    expect(job.errors[3].message).toMatch(/archived/);
    const fabrikam = await companyId('Fabrikam');
    expect((await api('GET', `/v1/companies/${fabrikam}`)).body.counts.contacts).toBe(3);
    const jack = (await api('GET', '/v1/contacts?q=jack')).body.items[0];
    expect(jack).toMatchObject({ firstName: 'Jack, Jr.', title: 'Says "hi"', phone: '+1 (555) 010-2000' });

    const errors = await api('GET', `/v1/imports/${job.id}/errors.csv`);
    expect(errors.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (errors.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('firstName,lastName,email,phone,title,company,error');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^Dana,White,not-an-email,,,Fabrikam,/);
    // Fix Dana's email and the missing first name; upload the same file again.
    const fixed = (errors.body as string).replace('not-an-email', 'dana.white@fabrikam.example').replace(',Green,', 'Frank,Green,');
    const again = await importFile('contacts', fixed);
    expect(again).toMatchObject({ created: 2, failed: 2, skippedDuplicates: 0 });
    expect(again.errors.map((e: { row: number }) => e.row)).toEqual([3, 5]);
  });

  it('splits a single name column, and refuses a one-word name', async () => {
    const job = await importFile('contacts', fixture('contacts-single-name.csv'));
    expect(job).toMatchObject({ created: 1, failed: 1 });
    const jane = (await api('GET', '/v1/contacts?q=jane.vdb')).body.items[0];
    expect(jane).toMatchObject({ firstName: 'Jane', lastName: 'van der Berg', phone: '555-0100' });
    expect(job.errors[0]).toMatchObject({ row: 3, field: 'lastName' });
  });

  it('fails at once, with a clear message, for a missing required column, a file that is not CSV, and broken quoting', async () => {
    const missing = await importFile('contacts', fixture('contacts-missing-email.csv'));
    expect(missing).toMatchObject({ status: 'failed', processedRows: 0, error: { code: 'CSV_MISSING_COLUMNS' }, errors: [{ row: 0, code: 'CSV_MISSING_COLUMNS', message: expect.stringMatching(/Missing required column: email/) }] });
    const png = await importFile('contacts', fixture('not-csv.png'));
    expect(png).toMatchObject({ status: 'failed', error: { code: 'CSV_NOT_TEXT' }, errors: [{ row: 0, message: expect.stringMatching(/not (CSV|UTF-8)/) }] });
    const broken = await importFile('contacts', fixture('broken-quotes.csv'));
    expect(broken).toMatchObject({ status: 'failed', error: { code: 'CSV_MALFORMED' }, errors: [{ row: 0, message: expect.stringMatching(/not valid CSV/) }] });
  });

  it('reads quotes inside a field as spreadsheets do, and makes a 4 MB field its row\'s error: neither stays queued', async () => {
    const quotes = await importFile('contacts', fixture('contacts-bare-quotes.csv'), 10_000);
    expect(quotes).toMatchObject({ status: 'completed', created: 2, failed: 0 });
    expect((await api('GET', '/v1/contacts?q=ann.al@bare.example')).body.items).toMatchObject([{ firstName: 'Ann "Al"', lastName: 'Smith' }]);
    expect((await api('GET', '/v1/contacts?q=bo.lee@bare.example')).body.items).toMatchObject([{ firstName: '"Bo" Jr' }]);
    const big = await importFile('contacts', `firstName,lastName,email,notes\nBig,Field,big.field@bare.example,${'x'.repeat(4 * 1024 * 1024)}\nSmall,Row,small.row@bare.example,\n`, 20_000);
    expect(big).toMatchObject({ status: 'completed', processedRows: 2, created: 1, failed: 1, errors: [{ row: 2, field: null, code: 'ROW_TOO_LARGE' }] });
  });

  it('refuses what the upload route cannot take: no type, wrong content type, over 5 MB', async () => {
    expect((await api('POST', '/v1/imports', 'a,b\n', { 'content-type': 'text/csv' })).status).toBe(400);
    expect((await api('POST', '/v1/imports?type=contacts', '{}', { 'content-type': 'application/json' })).status).toBe(415);
    expect((await api('POST', '/v1/imports?type=contacts', 'x'.repeat(5 * 1024 * 1024 + 1), { 'content-type': 'text/csv' })).status).toBe(413);
  });
});

describe('companies import and templates', () => {
  it('imports companies with a billing address, skips existing names, reports bad rows', async () => {
    const job = await importFile('companies', fixture('companies.csv'));
    expect(job).toMatchObject({ status: 'completed', totalRows: 5, created: 2, skippedDuplicates: 1, failed: 2 });
    expect(job.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
      [5, 'primaryDomain'],
      [6, 'country'],
    ]);
    const tailspin = await companyId('Tailspin Toys');
    expect((await api('GET', `/v1/companies/${tailspin}`)).body).toMatchObject({ primaryDomain: 'tailspin.example', employeeCount: 1200, industry: 'Retail' });
    const addresses = (await api('GET', `/v1/companies/${tailspin}/addresses`)).body.items;
    expect(addresses).toMatchObject([{ line1: '1 Main St', city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US', isBilling: true, isSite: true }]);
    const audit = (await api('GET', `/v1/companies/${tailspin}/audit`)).body.items;
    expect(audit[0]).toMatchObject({ action: 'company.created', reason: `CSV import ${job.id}` });
  });

  it('serves templates that, filled in, import cleanly', async () => {
    for (const type of ['contacts', 'companies'] as const) {
      const res = await api('GET', `/v1/imports/templates/${type}.csv`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const header = (res.body as string).trim();
      const row = type === 'contacts' ? 'Tess,Template,tess.template@fabrikam.example,555-0199,CTO,Fabrikam' : 'Template Co,template.example,555-0100,https://template.example,IT,12,9 Elm St,Boston,MA,02108,US';
      const job = await importFile(type, `${res.body}${row}\r\n`);
      expect(job, header).toMatchObject({ status: 'completed', created: 1, failed: 0 });
    }
    expect((await api('GET', '/v1/imports/templates/other.csv')).status).toBe(400);
  });
});
