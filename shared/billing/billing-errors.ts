/**
 * What billing refuses, as typed API errors (409: the stored terms cannot produce an invoice
 * as they stand; a billing run records the same `code` and message in its `errors`).
 * The codes are new: API.md's error list gains them before they ship.
 */
import { ConflictError } from '../http/errors';

/** Two amounts in different currencies met in one sum, comparison or invoice. */
export class CurrencyMismatchError extends ConflictError {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super('CURRENCY_MISMATCH', `Amounts in ${actual} cannot be combined with amounts in ${expected}.`);
  }
}

/** A computed amount (a line or a total) lies beyond the bound every amount is held to. */
export class AmountOutOfRangeError extends ConflictError {
  constructor(what: string) {
    super('AMOUNT_OUT_OF_RANGE', `${what} exceeds 999999999999.99, the largest amount the API handles.`);
  }
}

/** Billable time must be priced, and neither the contract nor the company has an hourly rate. */
export class HourlyRateMissingError extends ConflictError {
  constructor(contractId: string) {
    super('HOURLY_RATE_MISSING', `Contract ${contractId} has billable time but no hourly rate (set hourlyRate on the contract or the company's billing rates).`);
  }
}
