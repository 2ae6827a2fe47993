/**
 * Typed API errors: each carries its HTTP status and a stable UPPER_SNAKE `code`. One mapper
 * (`toProblem`) turns them into application/problem+json; anything else becomes an opaque 500.
 */
/** Where a refused value was (API.md "Conventions"). */
export type ErrorLocation = 'body' | 'query' | 'path' | 'header';

/**
 * One refused value. `in` defaults to the body, whose `path` may be written dotted
 * (`lineItems.0.unitPrice`) or as a JSON Pointer (`/lineItems/0/unitPrice`); elsewhere `path` is
 * the parameter's or header's name. On the wire it is always `{ in, path, message }` with a
 * pointer for the body (`located`).
 */
export interface FieldError {
  in?: ErrorLocation;
  path: string;
  message: string;
}

export interface LocatedError {
  in: ErrorLocation;
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors: LocatedError[];
}

/** RFC 6901: `~` and `/` inside a segment are escaped. */
export const jsonPointer = (segments: readonly (string | number)[]): string => segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/** The wire form: a body path as a JSON Pointer (the whole body is `""`), any other as the name. */
export const located = (e: FieldError): LocatedError => {
  const where = e.in ?? 'body';
  if (where !== 'body') return { in: where, path: e.path, message: e.message };
  const pointer = e.path.startsWith('/') || e.path === '' ? e.path : e.path === '(root)' ? '' : jsonPointer(e.path.split('.'));
  return { in: 'body', path: pointer, message: e.message };
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors: FieldError[] = [],
    /** Extra response headers (e.g. `Allow` on a 405). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }

  toJSON(): Problem {
    return { type: 'about:blank', title: this.title, status: this.status, detail: this.message, code: this.code, errors: this.errors.map(located) };
  }
}

export class ValidationError extends ApiError {
  constructor(errors: FieldError[], detail = 'The request is not valid.') {
    super(400, 'VALIDATION_FAILED', 'Invalid request', detail, errors);
  }
}

export class BadRequestError extends ApiError {
  constructor(code: string, detail: string, errors: FieldError[] = []) {
    super(400, code, 'Invalid request', detail, errors);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(detail = 'A valid bearer token is required.') {
    super(401, 'UNAUTHORIZED', 'Unauthorized', detail);
  }
}

export class ForbiddenError extends ApiError {
  constructor(code: string, title: string, detail: string) {
    super(403, code, title, detail);
  }
}

export class ForbiddenRoleError extends ForbiddenError {
  constructor() {
    super('FORBIDDEN_ROLE', 'Forbidden', 'Your role does not allow this action.');
  }
}

export class NotFoundError extends ApiError {
  constructor(what = 'resource') {
    super(404, 'NOT_FOUND', 'Not found', `The ${what} does not exist.`);
  }
}

export class MethodNotAllowedError extends ApiError {
  constructor(allowed: string[]) {
    super(405, 'METHOD_NOT_ALLOWED', 'Method not allowed', `Allowed: ${allowed.join(', ')}.`, [], { allow: allowed.join(', ') });
  }
}

export class ConflictError extends ApiError {
  constructor(code: string, detail: string, title = 'Conflict') {
    super(409, code, title, detail);
  }
}

export class PreconditionFailedError extends ApiError {
  constructor(readonly current: number) {
    super(412, 'VERSION_MISMATCH', 'Precondition failed', `If-Match does not match the current version (${current}).`);
  }
}

/** 409: the request lost a race with another write and changed nothing; read again and retry. */
export const concurrentChange = () => new ConflictError('CONCURRENT_CHANGE', 'The record was changed by another request while this one was writing; read it again and retry.');

export class PayloadTooLargeError extends ApiError {
  constructor(limit: number) {
    super(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', `The request body is larger than ${limit} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor(expected: string) {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', `Send the body as ${expected}.`);
  }
}

export class IdempotencyKeyReusedError extends ApiError {
  constructor() {
    super(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused', 'This Idempotency-Key was used with a different request body.');
  }
}

export class ThrottledError extends ApiError {
  constructor() {
    super(429, 'THROTTLED', 'Too many requests', 'Try again shortly.', [], { 'retry-after': '1' });
  }
}

/** A write's condition found the data changed since it was read: the service reads again and retries (`retryOnStaleRead`, shared/db/optimistic.ts). */
export class StaleReadError extends Error {
  constructor() {
    super('The data changed while the request was being processed');
    this.name = 'StaleReadError';
  }
}

export class InternalError extends ApiError {
  constructor() {
    super(500, 'INTERNAL', 'Internal error', 'Something went wrong on our side. It has been logged.');
  }
}
