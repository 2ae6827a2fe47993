/**
 * Microsoft 365 on real engines for tests that drive the sync worker by hand: DynamoDB Local,
 * the queues, the fake Entra and Graph (infra/local/fakes/microsoft.ts), this process's
 * environment pointed at them; a tenant on the fake, and consent given for a company.
 */
import { randomUUID } from 'node:crypto';
import { fillTenant, startFakeMicrosoft, type FakeMicrosoft } from '../../infra/local/fakes/microsoft';
import { resetSigningKey } from '../../shared/crypto/signing';
import { ENV, resetEnvCache } from '../../shared/env';
import { resetGraphClients } from '../../shared/m365/m365.client';
import { call } from '../helpers/http-event';
import { startDynamo } from './dynamo';
import { startQueues } from './queues';

export const M365_APP = { clientId: '11111111-2222-4333-8444-555555555555', clientSecret: 'test-secret', partnerTenantId: randomUUID() };

export interface M365Engines {
  fake: FakeMicrosoft;
  queues: Awaited<ReturnType<typeof startQueues>>;
  stop: () => Promise<void>;
}

/** The fake Entra and Graph with the partner tenant, and this process's environment pointed at them. */
export const startM365Fake = async (): Promise<FakeMicrosoft> => {
  const fake = await startFakeMicrosoft(M365_APP);
  fake.addTenant({ id: M365_APP.partnerTenantId, displayName: 'Partner', defaultDomainName: 'partner.onmicrosoft.com' });
  Object.assign(process.env, {
    [ENV.M365_CLIENT_ID]: M365_APP.clientId,
    [ENV.M365_CLIENT_SECRET]: M365_APP.clientSecret,
    [ENV.M365_PARTNER_TENANT_ID]: M365_APP.partnerTenantId,
    [ENV.M365_REDIRECT_URI]: 'http://127.0.0.1/v1/public/m365/callback',
    [ENV.M365_FAKE_URL]: fake.url,
  });
  resetEnvCache();
  resetSigningKey();
  resetGraphClients();
  return fake;
};

export const startM365 = async (): Promise<M365Engines> => {
  const { stop: stopDb } = await startDynamo();
  const queues = await startQueues();
  const fake = await startM365Fake();
  return {
    fake,
    queues,
    stop: async () => {
      await fake.stop();
      await queues.stop();
      await stopDb();
    },
  };
};

const run = Math.random().toString(36).slice(2, 7);
let n = 0;
/** A name no other company or tenant of this test process has. */
export const uniqueName = (prefix: string) => `${prefix} ${run} ${++n}`;

/** A tenant on the fake with `users` users and `devices` devices. */
export const fakeTenant = (fake: FakeMicrosoft, users = 5, devices = 3) => {
  const domain = `t${run}${++n}.onmicrosoft.com`;
  const id = fake.addTenant({ displayName: `Tenant ${run} ${n}`, defaultDomainName: domain });
  fillTenant(fake, id, domain, users, devices);
  return { id, domain };
};

/** Consent for `companyId`, as Microsoft redirects the admin back after it: links the tenant and queues the first sync. */
export const linkTenant = async (companyId: string, tenantId: string) => {
  const url = new URL((await call({ route: 'GET /v1/integrations/m365/consent-url', query: { companyId } })).body.url);
  const state = url.searchParams.get('state')!;
  const res = await call({ route: 'GET /v1/public/m365/callback', query: { tenant: tenantId, admin_consent: 'True', state } });
  return { res, state };
};

/** A new company, through the route. */
export const createCompany = async (name = uniqueName('M365 Co')) => (await call({ route: 'POST /v1/companies', body: { name } })).body as { id: string; name: string };
