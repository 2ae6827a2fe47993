/**
 * A 10,000-user / 5,000-device Microsoft 365 tenant synced on real DynamoDB Local and real queues
 * against the fake Entra and Graph (`npm run test:scale`), each run of the worker given time for
 * about one page before it must hand over: every user and device arrives, once.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as syncWorker } from '../../functions/m365/sync-tenant';
import { call, lambdaContext } from '../helpers/http-event';
import { createCompany, fakeTenant, linkTenant, startM365, type M365Engines } from '../support/m365';

let engines: M365Engines;
beforeAll(async () => {
  engines = await startM365();
});
afterAll(async () => engines?.stop());

describe('scale', () => {
  it('syncs a 10,000-user / 5,000-device tenant completely, across hand-overs', { timeout: 600_000 }, async () => {
    const co = await createCompany();
    const t = fakeTenant(engines.fake, 10_000, 5_000);
    const { res } = await linkTenant(co.id, t.id);
    // Each run gets time for about one page before it must hand over.
    let left = 0;
    const shortRuns = () => ({ ...lambdaContext, getRemainingTimeInMillis: () => (left -= 30_000) + 120_000 }) as Context;
    for (let i = 0; i < 100; i++) {
      const event = await engines.queues.take('m365-sync');
      if (!event.Records.length) break;
      left = 0;
      await syncWorker(event as never, shortRuns());
    }
    const done = (await call({ route: 'GET /v1/sync-jobs/{id}', params: { id: res.body.jobId } })).body;
    expect(done).toMatchObject({ status: 'completed', users: { seen: 10_000, created: 10_000 }, devices: { seen: 5_000, created: 5_000 } });
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body.counts).toMatchObject({ contacts: 10_000, assets: 5_000 });
  });
});
