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
 * Runs `competitor` once, just before the next `command` (wire name) this process sends, then
 * lets that request go: put between a service's read and its write, it shows a lost race on
 * the real engine every time instead of now and then. The competitor's own requests pass.
 */
export const beforeNext = (command: string, competitor: () => Promise<unknown>): void => {
  const name = `race-${Math.random()}`;
  let fired = false;
  db().middlewareStack.add(
    (next, context) => async (args) => {
      if (!fired && String(context.commandName).replace(/Command$/, '') === command) {
        fired = true;
        db().middlewareStack.remove(name);
        await competitor();
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
};
