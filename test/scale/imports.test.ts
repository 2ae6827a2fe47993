/**
 * A 50,000-row contacts file through the API and the real `imports` queue on the whole local
 * stack (`npm run test:scale`): the job counts every row, and every row is a contact with its
 * own name, email and company, read back through the API, none missing and none twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, listAll, staffToken, type Api } from '../support/api';
import { importFile } from '../support/imports';
import { startStack, type TestStack } from '../support/stack';

const ROWS = 50_000;
/** Every tenth row names the company; the others have none. */
const inCompany = (i: number) => i % 10 === 0;

let stack: TestStack;
let api: Api;
let token: string;
let companyId: string;
beforeAll(async () => {
  stack = await startStack();
  api = apiClient(stack.info);
  token = await staffToken(stack.info, 'Admin');
  const created = await api('POST', '/v1/companies', { token, body: { name: 'Fabrikam' } });
  expect(created.status, created.text).toBe(201);
  companyId = created.body.id;
});
afterAll(async () => stack?.stop());

interface Contact {
  firstName: string;
  lastName: string;
  email: string;
  companyId: string | null;
}

describe('scale', () => {
  it(`imports a ${ROWS.toLocaleString('en')}-row contacts file completely, every row exactly once`, { timeout: 1_800_000 }, async () => {
    const lines = ['First Name,Last Name,Email,Company'];
    for (let i = 0; i < ROWS; i++) lines.push(`First${i},Last${i},bulk.${i}@scale.example,${inCompany(i) ? 'Fabrikam' : ''}`);
    const started = performance.now();
    const job = await importFile(stack.info, token, 'contacts', lines.join('\n'), 900_000);
    const seconds = (performance.now() - started) / 1000;
    // Upload to completion as a client sees it (polled every 250 ms), for docs/data-model.md and docs/benchmarks.md.
    console.info(`[scale] ${ROWS} contact rows imported in ${seconds.toFixed(1)} s: ${Math.round(ROWS / seconds)} rows/s`);
    expect(job).toMatchObject({ status: 'completed', totalRows: ROWS, processedRows: ROWS, created: ROWS, failed: 0 });
    expect((await api('GET', `/v1/companies/${companyId}`, { token })).body.counts.contacts).toBe(ROWS / 10);

    // Every row, read back: the company's contacts and the ones with no company are, together, the file.
    const expected = (i: number): Contact => ({ firstName: `First${i}`, lastName: `Last${i}`, email: `bulk.${i}@scale.example`, companyId: inCompany(i) ? companyId : null });
    const seen = new Map<number, Contact>();
    for (const path of [`/v1/contacts?companyId=${companyId}`, '/v1/contacts?unassigned=true']) {
      for (const c of await listAll<Contact>(api, token, path)) {
        const i = Number(/^bulk\.(\d+)@scale\.example$/.exec(c.email)?.[1]);
        expect(Number.isInteger(i) && !seen.has(i), `unexpected or repeated ${c.email}`).toBe(true);
        seen.set(i, { firstName: c.firstName, lastName: c.lastName, email: c.email, companyId: c.companyId });
      }
    }
    expect(seen.size).toBe(ROWS);
    const wrong = [...seen].filter(([i, c]) => JSON.stringify(c) !== JSON.stringify(expected(i)));
    expect(wrong.length, JSON.stringify(wrong.slice(0, 5))).toBe(0);
  });
});
