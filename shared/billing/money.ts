/**
 * Money: integer cents inside, decimal strings with two places outside ("1250.00"), the
 * currency (ISO 4217) carried beside every amount. No floating point touches an amount:
 * products and proration run in BigInt and round once, half-up (half away from zero).
 */
import { ValidationError } from '../http/errors';
import { AmountOutOfRangeError, CurrencyMismatchError } from './billing-errors';

/** An amount in cents: a safe integer with |cents| ≤ MAX_CENTS. */
export type Cents = number;

/**
 * The bound every amount is held to, parsed or computed: 999 999 999 999.99, the twelve
 * integer digits invoices already accept. Any two such amounts add up well inside
 * Number.MAX_SAFE_INTEGER, and a result past the bound is refused, never wrapped or rounded.
 */
export const MAX_CENTS: Cents = 99_999_999_999_999;

const AMOUNT = /^(-)?(0|[1-9]\d*)(?:\.(\d{1,2}))?$/;

export type Read<T> = { ok: true; value: T } | { ok: false; message: string };

export const AMOUNT_EXAMPLE = 'Must be a decimal amount such as "1250.00"';

/**
 * A decimal string (no sign unless `allowNegative`, at most 2 decimals, no exponent, no
 * grouping, no leading zeros) → cents. A JSON number is refused: a float cannot be trusted
 * to hold 0.10 (0.1 + 0.2 is 0.30000000000000004).
 */
export const readAmount = (value: unknown, opts: { allowNegative?: boolean } = {}): Read<Cents> => {
  if (typeof value !== 'string') return { ok: false, message: `${AMOUNT_EXAMPLE} (a string, not a number)` };
  const m = AMOUNT.exec(value);
  if (!m) return { ok: false, message: /^-?\d+\.\d{3,}$/.test(value) ? 'Must have at most 2 decimal places' : AMOUNT_EXAMPLE };
  const cents = m[2]!.length > 12 ? Infinity : Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  if (cents > MAX_CENTS) return { ok: false, message: 'Must be at most 999999999999.99' };
  if (m[1] && cents !== 0 && !opts.allowNegative) return { ok: false, message: 'Must not be negative' };
  return { ok: true, value: m[1] ? -cents || 0 : cents };
};

/** `readAmount`, throwing 400 VALIDATION_FAILED at `path` (a body field such as `lineItems.0.unitPrice`). */
export const parseAmount = (value: unknown, path: string, opts: { allowNegative?: boolean } = {}): Cents => {
  const r = readAmount(value, opts);
  if (!r.ok) throw new ValidationError([{ path, message: r.message }]);
  return r.value;
};

/** Cents → "1250.00" / "-0.05". */
export const formatAmount = (cents: Cents): string => {
  const c = checked(cents, 'The amount');
  const abs = Math.abs(c);
  return `${c < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
};

/** A computed amount back into cents, refused past MAX_CENTS (what: how the error names it). */
export const checked = (value: bigint | number, what = 'The amount'): Cents => {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new AmountOutOfRangeError(what);
  const big = BigInt(value);
  if (big > BigInt(MAX_CENTS) || big < -BigInt(MAX_CENTS)) throw new AmountOutOfRangeError(what);
  return Number(big);
};

/** numerator / denominator rounded half-up (half away from zero); denominator > 0. */
export const divideHalfUp = (numerator: bigint, denominator: bigint): bigint => {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const q = (abs * 2n + denominator) / (denominator * 2n);
  return negative ? -q : q;
};

/**
 * One line's amount: unit price × quantity (in hundredths: 1.25 h is 125) × fraction
 * (proration; 1/1 when whole), optionally held to `cap` before proration, rounded once,
 * half-up, to cents.
 */
export const lineAmount = (
  unitCents: Cents,
  quantityHundredths: number,
  opts: { fraction?: { numerator: number; denominator: number }; cap?: Cents | null } = {},
): Cents => {
  const { numerator = 1, denominator = 1 } = opts.fraction ?? {};
  // Exact value in hundredths of a cent.
  let exact = BigInt(unitCents) * BigInt(quantityHundredths);
  if (opts.cap !== undefined && opts.cap !== null) {
    const capExact = BigInt(opts.cap) * 100n;
    if (exact > capExact) exact = capExact;
  }
  return checked(divideHalfUp(exact * BigInt(numerator), 100n * BigInt(denominator)), 'A line amount');
};

/** The sum of amounts, refused past MAX_CENTS. */
export const sumCents = (amounts: readonly Cents[]): Cents => checked(amounts.reduce((s, a) => s + BigInt(a), 0n), 'The total');

// ---- Currency ----------------------------------------------------------------------------

/**
 * ISO 4217 codes whose minor unit is not 2 (or that are not money): the API writes every
 * amount with 2 places, which would invent fractions of a yen or drop a fils.
 */
const NOT_TWO_DECIMALS = new Set(
  'BIF CLF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI UYW VND VUV XAF XOF XPF BHD IQD JOD KWD LYD OMR TND XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX'.split(' '),
);
const KNOWN = new Set(Intl.supportedValuesOf('currency'));

export type Currency = string;

export const readCurrency = (value: unknown): Read<Currency> => {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) return { ok: false, message: 'Must be an ISO 4217 currency code such as "USD"' };
  if (!KNOWN.has(value)) return { ok: false, message: `${value} is not an ISO 4217 currency code` };
  if (NOT_TWO_DECIMALS.has(value)) return { ok: false, message: `${value} does not use 2 decimal places; amounts here always have 2` };
  return { ok: true, value };
};

// ---- Money: an amount with its currency ------------------------------------------------------

export interface Money {
  readonly cents: Cents;
  readonly currency: Currency;
}

export const money = (cents: Cents, currency: Currency): Money => ({ cents: checked(cents), currency });

/** Refuses an amount in another currency than `currency` (409 CURRENCY_MISMATCH). */
export const inCurrency = (m: Money, currency: Currency): Cents => {
  if (m.currency !== currency) throw new CurrencyMismatchError(currency, m.currency);
  return m.cents;
};

export const addMoney = (a: Money, b: Money): Money => ({ cents: sumCents([a.cents, inCurrency(b, a.currency)]), currency: a.currency });

/** The sum of amounts that must all be in `currency` (the empty sum is zero). */
export const sumMoney = (items: readonly Money[], currency: Currency): Money => ({
  cents: sumCents(items.map((m) => inCurrency(m, currency))),
  currency,
});

/** "1250.00" in `currency` → Money (400 VALIDATION_FAILED at `path` when malformed). */
export const parseMoney = (value: unknown, currency: Currency, path: string, opts: { allowNegative?: boolean } = {}): Money => ({
  cents: parseAmount(value, path, opts),
  currency,
});
