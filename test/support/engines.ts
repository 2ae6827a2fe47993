/**
 * The engines an integration test file needs, started once for the file: a real DynamoDB
 * Local (always), real queues when asked, and a counter of the DynamoDB requests each test
 * makes (reset before every test).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { countDbRequests } from '../helpers/db-requests';
import { startDynamo } from './dynamo';
import { startQueues } from './queues';

type Queues = Awaited<ReturnType<typeof startQueues>>;

export const useEngines = (opts: { queues?: boolean } = {}) => {
  let stopDb: (() => Promise<void>) | undefined;
  let queues: Queues | undefined;
  let requests: ReturnType<typeof countDbRequests> | undefined;
  beforeAll(async () => {
    ({ stop: stopDb } = await startDynamo());
    if (opts.queues) queues = await startQueues();
    requests = countDbRequests();
  });
  afterAll(async () => {
    await queues?.stop();
    await stopDb?.();
  });
  beforeEach(() => requests?.reset());
  return {
    /** DynamoDB operations sent since the test began (wire names: GetItem, Query, TransactWriteItems, …). */
    get requests() {
      return requests!;
    },
    get queues() {
      if (!queues) throw new Error('Start with useEngines({ queues: true })');
      return queues;
    },
  };
};
