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
 * Runs `before` ahead of every request the shared client sends (a fault to inject, a concurrent
 * change to make); it may throw instead of letting the request go. Returns the remover.
 */
export const beforeDbRequest = (before: (command: string, input: unknown) => Promise<void> | void) => {
  const name = `before-${Math.random()}`;
  db().middlewareStack.add(
    (next, context) => async (args) => {
      await before(String(context.commandName).replace(/Command$/, ''), args.input);
      return next(args);
    },
    { step: 'initialize', name },
  );
  return () => void db().middlewareStack.remove(name);
};

/**
 * Runs `competitor` once, just before the next `command` (wire name) this process sends, then
 * lets that request go: put between a service's read and its write, it shows a lost race on
 * the real engine every time instead of now and then. The competitor's own requests pass.
 */
export const beforeNext = (command: string, competitor: () => Promise<unknown>): void => {
  let fired = false;
  const remove = beforeDbRequest(async (sent) => {
    if (fired || sent !== command) return;
    fired = true;
    remove();
    await competitor();
  });
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
