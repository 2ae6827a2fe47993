/**
 * A demo portal contact for the local stack, made the way a real client would make one: a staff
 * login, then the API (company, contact, invite), the set-up link from the SES outbox, and the
 * public set-up route. Idempotent: whatever already exists (and a password that already works)
 * is kept, so it can run on every `npm start`.
 *
 * From a shell, against a running `npm start`: `npx tsx infra/local/seed.ts [.local/stack.json]`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { StackInfo } from './stack';
import { outboxTokens } from './engines/ses';

export const DEMO_COMPANY_NAME = 'Demo Customer Ltd';
export const DEMO_CONTACT = { firstName: 'Dana', lastName: 'Demo', email: 'demo.contact@demo-customer.example' } as const;
export const DEMO_PORTAL_PASSWORD = 'Clientele-demo-2026!';

/** One line for the `npm start` banner. */
export const DEMO_DESCRIPTION = `Portal demo login: ${DEMO_CONTACT.email} / ${DEMO_PORTAL_PASSWORD} (contact of "${DEMO_COMPANY_NAME}"; send its ID token to /v1/portal/*)`;

export interface DemoSeed {
  portal: { email: string; password: string };
  companyId: string;
  contactId: string;
}

/** Cognito `InitiateAuth` (`USER_PASSWORD_AUTH`), as a client logs in; the ID token, or undefined when refused. */
export const localLogin = async (info: StackInfo, pool: 'staff' | 'portal', email: string, password: string): Promise<string | undefined> => {
  const cognito = new CognitoIdentityProviderClient({ endpoint: info.cognito.endpoint, region: info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const out = await cognito.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: info.cognito[pool].clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }));
    return out.AuthenticationResult?.IdToken;
  } catch {
    return undefined;
  } finally {
    cognito.destroy();
  }
};

class SeedError extends Error {}

const client = (info: StackInfo, token?: string) => async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
  const res = await fetch(`${info.apiUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

const expectStatus = (what: string, res: { status: number; body: any }, ...ok: number[]) => {
  if (!ok.includes(res.status)) throw new SeedError(`Demo seed: ${what} answered ${res.status} ${res.body?.code ?? ''} ${res.body?.detail ?? ''}`.trim());
  return res.body;
};

/** Every item of a listing, page by page, until `match` finds one. */
const findIn = async (api: ReturnType<typeof client>, path: string, match: (item: any) => boolean) => {
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = expectStatus(`GET ${path}`, await api('GET', `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`), 200);
    const found = (page.items as any[]).find(match);
    if (found) return found;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return undefined;
};

const companyOf = async (api: ReturnType<typeof client>): Promise<string> => {
  const q = `q=${encodeURIComponent(DEMO_COMPANY_NAME)}`;
  const active = await findIn(api, `/v1/companies?${q}`, (c) => c.name === DEMO_COMPANY_NAME);
  if (active) return active.id;
  const created = await api('POST', '/v1/companies', { name: DEMO_COMPANY_NAME });
  if (created.status === 201) return created.body.id;
  // Taken by an archived one: bring it back.
  const archived = await findIn(api, `/v1/companies?status=archived&${q}`, (c) => c.name === DEMO_COMPANY_NAME);
  if (!archived) expectStatus('POST /v1/companies', created, 201);
  expectStatus('restore the demo company', await api('POST', `/v1/companies/${archived.id}/restore`), 200);
  return archived.id;
};

const contactOf = async (api: ReturnType<typeof client>, companyId: string): Promise<string> => {
  const created = await api('POST', '/v1/contacts', { ...DEMO_CONTACT, companyId });
  let contact = created.status === 201 ? created.body : undefined;
  if (!contact) {
    if (created.body?.code !== 'CONTACT_EMAIL_TAKEN') expectStatus('POST /v1/contacts', created, 201);
    contact = await findIn(api, `/v1/contacts?q=${encodeURIComponent(DEMO_CONTACT.email)}`, (c) => c.email === DEMO_CONTACT.email);
    if (!contact) throw new SeedError(`Demo seed: ${DEMO_CONTACT.email} is taken but not found`);
  }
  if (contact.companyId !== companyId) expectStatus('move the demo contact', await api('PATCH', `/v1/contacts/${contact.id}`, { companyId }), 200);
  if (contact.status !== 'active') expectStatus('activate the demo contact', await api('POST', `/v1/contacts/${contact.id}/activate`), 200);
  return contact.id;
};

/** Invite, read the link from the outbox, set the password: only when the demo password does not log in yet. */
const portalLogin = async (info: StackInfo, api: ReturnType<typeof client>, contactId: string): Promise<string> => {
  const existing = await localLogin(info, 'portal', DEMO_CONTACT.email, DEMO_PORTAL_PASSWORD);
  if (existing) return existing;
  const seen = await outboxTokens(info.ses.endpoint, DEMO_CONTACT.email);
  expectStatus('invite the demo contact', await api('POST', `/v1/contacts/${contactId}/invite`), 202);
  const end = Date.now() + 20_000;
  let token: string | undefined;
  while (!token) {
    token = (await outboxTokens(info.ses.endpoint, DEMO_CONTACT.email)).filter((t) => !seen.includes(t)).pop();
    if (token) break;
    if (Date.now() > end) throw new SeedError('Demo seed: the invitation email did not arrive in the SES outbox');
    await new Promise((r) => setTimeout(r, 200));
  }
  expectStatus('portal set-up', await client(info)('POST', '/v1/public/portal/setup', { token, password: DEMO_PORTAL_PASSWORD }), 200);
  const idToken = await localLogin(info, 'portal', DEMO_CONTACT.email, DEMO_PORTAL_PASSWORD);
  if (!idToken) throw new SeedError('Demo seed: the demo contact cannot log in to the portal');
  return idToken;
};

/** A ticket (with a public staff reply) and an invoice, so the portal has something to show; only when the company has none. */
const sampleRecords = async (api: ReturnType<typeof client>, companyId: string, contactId: string) => {
  const tickets = expectStatus('list demo tickets', await api('GET', `/v1/tickets?companyId=${companyId}&limit=1`), 200);
  if (tickets.items.length === 0) {
    const ticket = expectStatus(
      'create a demo ticket',
      await api('POST', '/v1/tickets', { companyId, contactId, subject: 'Printer on the 2nd floor is offline', description: 'It shows "offline" on every laptop since this morning.', priority: 'medium' }),
      201,
    );
    expectStatus('comment on the demo ticket', await api('POST', `/v1/tickets/${ticket.id}/comments`, { body: 'We are looking into it and will update you shortly.', visibility: 'public' }), 201);
  }
  const invoices = expectStatus('list demo invoices', await api('GET', `/v1/invoices?companyId=${companyId}&limit=1`), 200);
  if (invoices.items.length === 0) {
    // Issued (not emailed: the seed sends no mail but the invitation), with lines and a part payment for the portal's payment history.
    const invoice = expectStatus(
      'create a demo invoice',
      await api('POST', '/v1/invoices', {
        companyId,
        number: 'DEMO-0001',
        status: 'sent',
        lines: [
          { description: 'Managed services (monthly)', quantity: 1, unitPrice: '1000.00' },
          { description: 'On-site support (hours)', quantity: 2.5, unitPrice: '100.00' },
        ],
      }),
      201,
    );
    expectStatus('record a demo payment', await api('POST', `/v1/invoices/${invoice.id}/payments`, { amount: '800.00', date: '2026-01-15', method: 'ach', reference: 'Demo transfer' }), 201);
  }
};

/**
 * Makes sure the demo contact exists and can log in to the portal (see `DEMO_DESCRIPTION`);
 * needs the running local stack and its seeded staff users.
 */
export const seedDemo = async (info: StackInfo): Promise<DemoSeed> => {
  const admin = info.users.find((u) => u.groups.includes('Admin')) ?? info.users.find((u) => u.groups.includes('SuperAdmin'));
  if (!admin) throw new SeedError('Demo seed: no seeded Admin staff user');
  const staffToken = await localLogin(info, 'staff', admin.email, admin.password);
  if (!staffToken) throw new SeedError(`Demo seed: ${admin.email} cannot log in`);
  const api = client(info, staffToken);
  const companyId = await companyOf(api);
  const contactId = await contactOf(api, companyId);
  await sampleRecords(api, companyId, contactId);
  await portalLogin(info, api, contactId);
  return { portal: { email: DEMO_CONTACT.email, password: DEMO_PORTAL_PASSWORD }, companyId, contactId };
};

// `npx tsx infra/local/seed.ts [stack.json]`: seed the running local stack.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const info = JSON.parse(readFileSync(process.argv[2] ?? '.local/stack.json', 'utf8')) as StackInfo;
  seedDemo(info).then(
    () => console.log(DEMO_DESCRIPTION),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
