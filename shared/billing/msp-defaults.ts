/**
 * The MSP-wide defaults contracts read until the settings capability (`GET|PUT /v1/settings`)
 * holds them: the currency of a contract whose company names none, and the time zone that
 * decides what "today" is. One setting each, from the environment (shared/env.ts).
 */
import { ENV, optionalEnv } from '../env';
import { localDate } from './calendar';
import { readCurrency, type Currency } from './money';

export const DEFAULT_CURRENCY = 'USD';
export const DEFAULT_TIMEZONE = 'UTC';

/** The MSP's currency: `DEFAULT_CURRENCY` when set and valid (a 2-decimal ISO 4217 code), else USD. */
export const mspCurrency = (): Currency => {
  const r = readCurrency(optionalEnv(ENV.DEFAULT_CURRENCY) ?? DEFAULT_CURRENCY);
  return r.ok ? r.value : DEFAULT_CURRENCY;
};

const validZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** The MSP's IANA time zone (`TIMEZONE`), UTC when unset; an unknown zone fails loudly (a deployment error). */
export const mspTimeZone = (): string => {
  const zone = optionalEnv(ENV.TIMEZONE) ?? DEFAULT_TIMEZONE;
  if (!validZone(zone)) throw new Error(`TIMEZONE ${zone} is not an IANA time zone`);
  return zone;
};

/** Today's date in the MSP's time zone. */
export const mspToday = (now = new Date()): string => localDate(now, mspTimeZone());
