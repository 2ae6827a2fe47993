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
