/**
 * The engines an integration test file needs, started once for the file: a real DynamoDB
 * Local (always), real queues and a real cognito-local (its staff pool, groups and seeded
 * users) when asked, and a counter of the DynamoDB requests each test makes (reset before every test).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { countDbRequests } from '../helpers/db-requests';
import { startDynamo } from './dynamo';
import { startQueues } from './queues';
import { startTestCognito, type TestCognito } from './cognito';

type Queues = Awaited<ReturnType<typeof startQueues>>;

export const useEngines = (opts: { queues?: boolean; cognito?: boolean; streamConsumers?: readonly string[] } = {}) => {
  let stopDb: (() => Promise<void>) | undefined;
  let queues: Queues | undefined;
  let cognito: TestCognito | undefined;
  let requests: ReturnType<typeof countDbRequests> | undefined;
  beforeAll(async () => {
    ({ stop: stopDb } = await startDynamo());
    if (opts.queues) queues = await startQueues({ consumers: opts.streamConsumers });
    if (opts.cognito) cognito = await startTestCognito();
    requests = countDbRequests();
  });
  afterAll(async () => {
    await cognito?.stop();
    await queues?.stop();
    await stopDb?.();
  });
  beforeEach(() => requests?.reset());
  return {
    /** DynamoDB operations sent since the test began (wire names: GetItem, Query, TransactWriteItems, …). */
    get requests() {
      return requests!;
    },
    get cognito() {
      if (!cognito) throw new Error('Start with useEngines({ cognito: true })');
      return cognito;
    },
    get queues() {
      if (!queues) throw new Error('Start with useEngines({ queues: true })');
      return queues;
    },
  };
};
