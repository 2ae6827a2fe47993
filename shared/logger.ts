/**
 * One structured logger for every function (Powertools: JSON lines, request ids, the function's
 * name from the Lambda context, log level from env). Nothing secret may reach it: errors are
 * logged as name, message, stack and a few safe fields only (an HTTP client's error carries the
 * request it made, with its `Authorization` header and its form body holding an OAuth `code`),
 * values under secret-looking keys are replaced, and URL query parameters that carry codes,
 * states or tokens are masked wherever they appear in a string.
 */
import { Logger } from '@aws-lambda-powertools/logger';

const REDACTED = '[redacted]';

/** Keys whose values are credentials, whatever object they sit in. */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|password|secret|client_?secret|access_?token|refresh_?token|id_?token|token|state|code_?verifier|x-api-key)$/i;

/** `code=…`, `state=…`, `token=…` and the like in a URL or a form body. */
const SECRET_PARAM = /([?&#]|\b)(code|state|token|access_token|refresh_token|id_token|client_secret|password|code_verifier|session_state)=([^&#\s"']+)/gi;

export const scrub = (text: string): string => text.replace(SECRET_PARAM, (_, sep: string, name: string) => `${sep}${name}=${REDACTED}`);

/** The fields of an error that say what went wrong without carrying what was sent. */
const SAFE_ERROR_FIELDS = ['code', 'errorCode', 'statusCode', 'status', 'error', 'error_description', 'intuit_tid', 'requestId', 'correlationId'] as const;

const errorSummary = (error: Error, depth = 0): Record<string, unknown> => {
  const out: Record<string, unknown> = { name: error.name, message: scrub(error.message), stack: error.stack ? scrub(error.stack) : undefined };
  for (const field of SAFE_ERROR_FIELDS) {
    const value = (error as unknown as Record<string, unknown>)[field];
    if (typeof value === 'string' || typeof value === 'number') out[field] = typeof value === 'string' ? scrub(value) : value;
  }
  const httpStatus = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (httpStatus) out.httpStatusCode = httpStatus;
  if (error.cause instanceof Error && depth < 3) out.cause = errorSummary(error.cause, depth + 1);
  return out;
};

/** Runs before Powertools' own serialisation, for every key and value of a log item. */
export const redact = (key: string, value: unknown): unknown => {
  if (key && SECRET_KEY.test(key) && value !== null && value !== undefined && value !== '') return REDACTED;
  if (value instanceof Error) return errorSummary(value);
  if (typeof value === 'string') return scrub(value);
  return value;
};

export const logger = new Logger({ serviceName: 'clientele', jsonReplacerFn: redact });
