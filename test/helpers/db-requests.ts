/** Counts the DynamoDB requests the shared client sends, by operation, to prove "one request per read". */
import { db } from '../../shared/db/client';

export const countDbRequests = () => {
  const calls: string[] = [];
  db().middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: `count-${Math.random()}` },
  );
  return {
    calls,
    reset: () => void calls.splice(0),
  };
};

/**
 * The fault a real engine cannot show: the function dies at its `at`-th DynamoDB request from
 * now. That request and every later one fail with "Lambda killed" (nothing leaves a dead
 * process: no more writes, no lease release) until `revive()`.
 */
export const killAtRequest = (at: number) => {
  let n = 0;
  let fired = false;
  const name = `kill-${Math.random()}`;
  db().middlewareStack.add(
    (next) => async (args) => {
      if (++n >= at) {
        fired = true;
        throw new Error('Lambda killed');
      }
      return next(args);
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return {
    get fired() {
      return fired;
    },
    revive: () => void db().middlewareStack.remove(name),
  };
};
