/** Money and quantities: cents inside, two-place strings outside, half-up once per line, one currency per sum. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountOutOfRangeError, CurrencyMismatchError } from '../../shared/billing/billing-errors';
import {
  addMoney,
  divideHalfUp,
  formatAmount,
  lineAmount,
  MAX_CENTS,
  parseAmount,
  readAmount,
  readCurrency,
  sumCents,
  sumMoney,
} from '../../shared/billing/money';
import { hoursToMinutes, minutesToHours, quantityNumber, readQuantity } from '../../shared/billing/quantity';
import { ValidationError } from '../../shared/http/errors';

const ok = <T>(r: { ok: true; value: T } | { ok: false; message: string }): T => {
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

describe('readAmount / formatAmount', () => {
  it.each([
    ['0', 0],
    ['0.5', 50],
    ['0.05', 5],
    ['12', 1200],
    ['1250.00', 125000],
    ['999999999999.99', MAX_CENTS],
  ])('reads %s as %d cents', (text, cents) => {
    expect(ok(readAmount(text))).toBe(cents);
  });

  it.each([
    [12.5, 'a string, not a number'],
    ['0.30000000000000004', 'at most 2 decimal places'],
    ['1.005', 'at most 2 decimal places'],
    ['-1.00', 'Must not be negative'],
    ['1000000000000.00', 'at most 999999999999.99'],
    ['99999999999999999999999', 'at most 999999999999.99'],
    ['1e3', 'such as "1250.00"'],
    ['1,000.00', 'such as "1250.00"'],
    ['012.00', 'such as "1250.00"'],
    ['+1', 'such as "1250.00"'],
    [' 1', 'such as "1250.00"'],
    ['1.', 'such as "1250.00"'],
    ['.5', 'such as "1250.00"'],
    ['', 'such as "1250.00"'],
    ['NaN', 'such as "1250.00"'],
  ])('refuses %j (%s)', (value, message) => {
    const r = readAmount(value);
    expect(r.ok).toBe(false);
    expect((r as { message: string }).message).toContain(message);
  });

  it('takes negatives only when asked, and "-0" is zero', () => {
    expect(ok(readAmount('-12.34', { allowNegative: true }))).toBe(-1234);
    expect(ok(readAmount('-0.00'))).toBe(0);
    expect(Object.is(ok(readAmount('-0', { allowNegative: true })), 0)).toBe(true);
  });

  it('formats with two places and a sign', () => {
    expect(formatAmount(0)).toBe('0.00');
    expect(formatAmount(5)).toBe('0.05');
    expect(formatAmount(125000)).toBe('1250.00');
    expect(formatAmount(-5)).toBe('-0.05');
    expect(formatAmount(MAX_CENTS)).toBe('999999999999.99');
    expect(() => formatAmount(MAX_CENTS + 1)).toThrow(AmountOutOfRangeError);
    expect(() => formatAmount(0.5)).toThrow(AmountOutOfRangeError);
  });

  it('parseAmount throws 400 VALIDATION_FAILED at the field', () => {
    try {
      parseAmount('1.234', 'lineItems.0.unitPrice');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).toJSON()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ in: 'body', path: '/lineItems/0/unitPrice' }] });
    }
  });

  it('round-trips every amount in range (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_CENTS, max: MAX_CENTS }), (cents) => {
        expect(ok(readAmount(formatAmount(cents), { allowNegative: true }))).toBe(cents);
      }),
    );
  });
});

describe('half-up rounding, in integers', () => {
  it.each([
    [5n, 10n, 1n], // 0.5 → 1
    [4n, 10n, 0n],
    [15n, 10n, 2n], // 1.5 → 2
    [25n, 10n, 3n], // 2.5 → 3 (not banker's 2)
    [-5n, 10n, -1n], // half away from zero
    [-4n, 10n, 0n],
    [-25n, 10n, -3n],
  ])('%d / %d → %d', (n, d, q) => {
    expect(divideHalfUp(n, d)).toBe(q);
  });

  it('prices a line: unit price × hours with decimals, half-up per line', () => {
    expect(lineAmount(15000, 125)).toBe(18750); // 1.25 h × 150.00 = 187.50
    expect(lineAmount(3333, 50)).toBe(1667); // 0.5 × 33.33 = 16.665 → 16.67
    expect(lineAmount(3333, 150)).toBe(5000); // 1.5 × 33.33 = 49.995 → 50.00
    expect(lineAmount(1, 49)).toBe(0); // 0.49 × 0.01 = 0.0049 → 0.00
    expect(lineAmount(1, 50)).toBe(1); // 0.5 × 0.01 = 0.005 → 0.01
    expect(lineAmount(9999, 1_000)).toBe(99990); // 10 × 99.99
  });

  it('holds a line to its cap before prorating, then rounds once', () => {
    expect(lineAmount(15000, 1000, { cap: 100000 })).toBe(100000); // 10 × 150 = 1500 → cap 1000.00
    expect(lineAmount(15000, 500, { cap: 100000 })).toBe(75000); // under the cap
    // 1000.00 capped, × 17/31 = 548.387… → 548.39
    expect(lineAmount(15000, 1000, { cap: 100000, fraction: { numerator: 17, denominator: 31 } })).toBe(54839);
    // 29 days of 29 in a leap February: whole
    expect(lineAmount(99999, 100, { fraction: { numerator: 29, denominator: 29 } })).toBe(99999);
  });

  it('never drifts by more than half a cent from the exact product (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 366 }),
        fc.integer({ min: 1, max: 366 }),
        (unit, qty, a, b) => {
          const [numerator, denominator] = a <= b ? [a, b] : [b, a];
          const amount = lineAmount(unit, qty, { fraction: { numerator, denominator } });
          // |amount − unit·qty·n/(100·d)| ≤ 1/2  ⇔  |200·d·amount − 2·unit·qty·n| ≤ 100·d
          const diff = 200n * BigInt(denominator) * BigInt(amount) - 2n * BigInt(unit) * BigInt(qty) * BigInt(numerator);
          expect(diff <= 100n * BigInt(denominator) && diff >= -100n * BigInt(denominator)).toBe(true);
        },
      ),
    );
  });

  it('refuses a product past the bound instead of wrapping', () => {
    expect(() => lineAmount(MAX_CENTS, 200)).toThrow(AmountOutOfRangeError);
    expect(() => sumCents([MAX_CENTS, 1])).toThrow(AmountOutOfRangeError);
    expect(sumCents([])).toBe(0);
  });
});

describe('currency', () => {
  it('takes ISO 4217 codes with two decimal places', () => {
    expect(ok(readCurrency('USD'))).toBe('USD');
    expect(ok(readCurrency('EUR'))).toBe('EUR');
    expect(ok(readCurrency('GBP'))).toBe('GBP');
    expect(ok(readCurrency('AUD'))).toBe('AUD');
  });

  it.each([
    ['usd', 'ISO 4217'],
    ['US', 'ISO 4217'],
    ['ABC', 'not an ISO 4217'],
    ['JPY', '2 decimal places'],
    ['KWD', '2 decimal places'],
    ['XAU', 'XAU'], // gold: not money the API bills in
    [840, 'ISO 4217'],
  ])('refuses %j', (code, message) => {
    const r = readCurrency(code);
    expect(r.ok).toBe(false);
    expect((r as { message: string }).message).toContain(message);
  });

  it('adds amounts of one currency and refuses a mismatch with a typed 409', () => {
    expect(addMoney({ cents: 150, currency: 'USD' }, { cents: 250, currency: 'USD' })).toEqual({ cents: 400, currency: 'USD' });
    expect(sumMoney([], 'EUR')).toEqual({ cents: 0, currency: 'EUR' });
    try {
      sumMoney([{ cents: 1, currency: 'EUR' }, { cents: 1, currency: 'USD' }], 'EUR');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CurrencyMismatchError);
      expect((err as CurrencyMismatchError).toJSON()).toMatchObject({ status: 409, code: 'CURRENCY_MISMATCH' });
    }
  });
});

describe('quantities', () => {
  it('reads numbers with at most two decimals, refusing float artefacts', () => {
    expect(ok(readQuantity(1.25))).toBe(125);
    expect(ok(readQuantity(12))).toBe(1200);
    expect(ok(readQuantity(0))).toBe(0);
    expect(readQuantity(0.1 + 0.2).ok).toBe(false);
    expect(readQuantity(1.005).ok).toBe(false);
    expect(readQuantity(-1).ok).toBe(false);
    expect(readQuantity(Number.NaN).ok).toBe(false);
    expect(readQuantity(1e21).ok).toBe(false);
    expect(readQuantity('2' as unknown as number).ok).toBe(false);
    expect(readQuantity(1_000_000.01).ok).toBe(false);
  });

  it('converts minutes to hours to 2 decimals half-up, and back', () => {
    expect(minutesToHours(75)).toBe(125); // 1.25 h
    expect(minutesToHours(7)).toBe(12); // 0.11666 → 0.12
    expect(minutesToHours(1)).toBe(2); // 0.01666 → 0.02
    expect(minutesToHours(20)).toBe(33); // 0.3333 → 0.33
    expect(minutesToHours(40)).toBe(67); // 0.6666 → 0.67
    expect(minutesToHours(0)).toBe(0);
    expect(hoursToMinutes(125)).toBe(75);
    expect(hoursToMinutes(1)).toBe(1); // 0.6 min → 1
    expect(hoursToMinutes(1000)).toBe(600);
    expect(quantityNumber(125)).toBe(1.25);
    fc.assert(fc.property(fc.integer({ min: 0, max: 100_000_000 }), (q) => {
          expect(ok(readQuantity(quantityNumber(q)))).toBe(q);
        }),
      );
  });
});
