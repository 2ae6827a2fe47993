/**
 * Portal identity and the public reset on a real DynamoDB Local and real queues: the login
 * triggers resolve the contact from the user's `sub` through the server's binding only (an
 * email or a `custom:contactId` names nobody), the portal guard refuses a token whose `sub` is
 * not the contact's, and `POST /v1/public/portal/password-reset` answers without reading the
 * table (same time for any address) while its worker sends at most 3 mails per address per hour.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import preAuthSample from '../../events/cognito/pre-authentication.json';
import preTokenSample from '../../events/cognito/pre-token-generation.json';
import { handler as portalRequestsWorker } from '../../functions/portal/portal-requests';
import { handler as preAuthentication } from '../../functions/portal/pre-authentication';
import { handler as preTokenGeneration } from '../../functions/portal/pre-token-generation';
import { getContact, setContactPortal } from '../../shared/contacts/contact.repository';
import { companyCounter } from '../../shared/companies/company.repository';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { transact } from '../../shared/db/transact';
import { ENV, resetEnvCache } from '../../shared/env';
import { emailHash, hashToken, putPortalUser, RESET_MAILS_PER_HOUR } from '../../shared/portal/portal.repository';
import { PORTAL_NOT_LINKED_MESSAGE } from '../../shared/portal/portal.service';
import { call, httpEvent, invoke, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';
import { handler as getMe } from '../../functions/portal/get-me';
import { handler as requestReset } from '../../functions/portal/request-password-reset';

const engines = useEngines({ queues: true });

beforeAll(() => {
  process.env[ENV.PORTAL_URL] = 'http://portal.test';
  resetEnvCache();
});

const run = Math.random().toString(36).slice(2, 8);
let n = 0;

interface Bound {
  companyId: string;
  contactId: string;
  email: string;
  sub: string;
}

/** A company and a portal-active contact bound to a portal user's sub, written as an invite and a set-up would. */
const boundContact = async (label: string): Promise<Bound> => {
  const companyId = (await call({ route: 'POST /v1/companies', body: { name: `${label} ${run} ${++n}` } })).body.id as string;
  const email = `${label.toLowerCase()}.${run}.${++n}@example.com`;
  const contactId = (await call({ route: 'POST /v1/contacts', body: { firstName: label, lastName: 'Doe', email, companyId } })).body.id as string;
  const sub = randomUUID();
  const contact = (await getContact(contactId, true))!;
  const now = new Date().toISOString();
  const change = setContactPortal(contact, { portal: { status: 'active', invitedAt: now, activatedAt: now }, portalUsername: sub, portalSub: sub }, now);
  await transact([change.item, companyCounter(companyId, change.deltas), putPortalUser(sub, contactId)]);
  return { companyId, contactId, email, sub };
};

type Attributes = Record<string, string | undefined>;
/** The sample trigger event with the user's attributes replaced by `attributes` (nothing else carried over). */
const withAttributes = <E extends { userPoolId: string; request: object }>(sample: E, userPoolId: string, attributes: Attributes): E => {
  const event = structuredClone(sample);
  event.userPoolId = userPoolId;
  (event.request as { userAttributes: Attributes }).userAttributes = attributes;
  return event;
};
const preToken = (userPoolId: string, attributes: Attributes) => preTokenGeneration(withAttributes(preTokenSample, userPoolId, attributes) as never);
const preAuth = (userPoolId: string, attributes: Attributes) => preAuthentication(withAttributes(preAuthSample, userPoolId, attributes) as never);

describe('login triggers: the contact comes from the sub, through the server’s binding, and nothing else', () => {
  let a: Bound;
  let b: Bound;
  const pool = 'local_Portal01';
  beforeAll(async () => {
    [a, b] = await Promise.all([boundContact('Ann'), boundContact('Bob')]);
    process.env[ENV.PORTAL_USER_POOL_ID] = pool;
    resetEnvCache();
  });

  it("puts the sub's contact in the ID token, whatever email or custom:contactId the user carries", async () => {
    const event = await preToken(pool, { sub: a.sub, email: b.email, 'custom:contactId': b.contactId, email_verified: 'true' });
    expect(event.response.claimsOverrideDetails?.claimsToAddOrOverride).toEqual({ contactId: a.contactId, companyId: a.companyId });
    const deleted = await preToken(pool, { sub: a.sub, email: b.email });
    expect(deleted.response.claimsOverrideDetails?.claimsToAddOrOverride).toEqual({ contactId: a.contactId, companyId: a.companyId });
    await expect(preAuth(pool, { sub: a.sub, email: b.email, 'custom:contactId': b.contactId })).resolves.toBeDefined();
  });

  it('refuses a user whose sub the server never bound, even with another contact’s email and id', async () => {
    for (const attributes of [
      { sub: randomUUID(), email: b.email, 'custom:contactId': b.contactId },
      { email: b.email, 'custom:contactId': b.contactId },
      { sub: '', email: b.email },
    ]) {
      await expect(preToken(pool, attributes)).rejects.toThrow(PORTAL_NOT_LINKED_MESSAGE);
      await expect(preAuth(pool, attributes)).rejects.toThrow(PORTAL_NOT_LINKED_MESSAGE);
    }
  });

  it('refuses a binding the contact no longer holds (its user was replaced)', async () => {
    const stale = randomUUID();
    await transact([putPortalUser(stale, a.contactId)]); // left behind, pointing at A, but A is bound to another sub
    await expect(preToken(pool, { sub: stale, email: a.email })).rejects.toThrow(PORTAL_NOT_LINKED_MESSAGE);
  });

  it("refuses in the portal guard a token whose sub is not the contact's (401), and lets the contact's own through", async () => {
    const me = (contactId: string, companyId: string, sub: string) => {
      const event = httpEvent({ route: 'GET /v1/portal/me', sub });
      Object.assign(event.requestContext.authorizer.jwt.claims, { contactId, companyId });
      return invoke(getMe as never, event);
    };
    expect((await me(a.contactId, a.companyId, a.sub)).status).toBe(200);
    expect(await me(b.contactId, b.companyId, a.sub)).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED', detail: PORTAL_NOT_LINKED_MESSAGE } });
    expect((await me(a.contactId, a.companyId, randomUUID())).status).toBe(401);
  });

  it('never writes one sub to two contacts', async () => {
    await expect(transact([putPortalUser(a.sub, b.contactId)])).rejects.toThrow(/bound to another contact/);
    const item = await db().send(new GetCommand({ TableName: tableName(), Key: keys.portalUser(a.sub), ConsistentRead: true }));
    expect(item.Item?.contactId).toBe(a.contactId);
  });
});

describe('public password reset: recorded at once, carried out by the portal-requests worker', () => {
  /** Every message `queue` holds, as one SQS event. */
  const takeAll = async (queue: 'portal-requests' | 'mail', expected: number): Promise<SQSEvent> => {
    const records: SQSEvent['Records'] = [];
    for (let i = 0; i < 20 && records.length < expected; i++) records.push(...(await engines.queues.take(queue)).Records);
    return { Records: records };
  };
  const resetRoute = (email: string) => invoke(requestReset as never, httpEvent({ route: 'POST /v1/public/portal/password-reset', body: { email } }));

  it('answers 202 with the same one write (its outbox item) and in the same time for a known and an unknown address', async () => {
    const known = await boundContact('Kim');
    await takeAll('portal-requests', 0);
    engines.requests.reset();
    expect((await resetRoute(known.email)).status).toBe(202);
    expect((await resetRoute(`nobody.${run}@example.com`)).status).toBe(202);
    // The answer cannot depend on the address: the route does not look it up, it only records the request.
    expect(engines.requests.calls).toEqual(['PutItem', 'PutItem']);

    const time = async (email: string) => {
      const start = process.hrtime.bigint();
      expect((await resetRoute(email)).status).toBe(202);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < 30; i++) {
      // Alternate which goes first, so warm-up and ordering weigh on both alike.
      if (i % 2) unknownMs.push(await time(`nobody.${run}.${i}@example.com`));
      knownMs.push(await time(known.email));
      if (!(i % 2)) unknownMs.push(await time(`nobody.${run}.${i}@example.com`));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const [k, u] = [median(knownMs), median(unknownMs)];
    // Both are one outbox put; an account lookup and a link (≥ 4 DynamoDB round trips and a second send) would show here.
    expect(Math.abs(k - u)).toBeLessThan(Math.max(3, 0.5 * Math.min(k, u)));
    await takeAll('portal-requests', 62);
  });

  it('sends a reset mail for a portal-active contact, none for an unknown address, and at most 3 per address per hour', async () => {
    const known = await boundContact('Lee');
    await takeAll('mail', 0);
    for (let i = 0; i < RESET_MAILS_PER_HOUR + 1; i++) expect((await resetRoute(i % 2 ? known.email.toUpperCase() : known.email)).status).toBe(202);
    expect((await resetRoute(`nobody.else.${run}@example.com`)).status).toBe(202);
    const requests = await takeAll('portal-requests', RESET_MAILS_PER_HOUR + 2);
    expect(requests.Records).toHaveLength(RESET_MAILS_PER_HOUR + 2);
    // One request at a time, as the queue would deliver them over the hour.
    for (const record of requests.Records) expect(await portalRequestsWorker({ Records: [record] } as never, lambdaContext)).toEqual({ batchItemFailures: [] });

    const mails = await takeAll('mail', RESET_MAILS_PER_HOUR + 1);
    expect(mails.Records).toHaveLength(RESET_MAILS_PER_HOUR);
    for (const m of mails.Records) expect(JSON.parse(m.body)).toMatchObject({ to: [known.email], subject: expect.stringContaining('Reset your') });
    const hour = Math.floor(Date.now() / 3_600_000);
    const counter = await db().send(new GetCommand({ TableName: tableName(), Key: keys.portalResetCount(emailHash(known.email), hour), ConsistentRead: true }));
    expect(counter.Item).toMatchObject({ sent: RESET_MAILS_PER_HOUR, expiresAt: (hour + 2) * 3600 });
    // The fourth request issued no link either: the live link is one that was mailed.
    const contact = (await getContact(known.contactId, true))!;
    const mailed = mails.Records.map((m) => hashToken(/token=([\w-]+)/.exec(JSON.parse(m.body).text)![1]!));
    expect(mailed).toContain(contact.portalTokenHash);
  });
});
