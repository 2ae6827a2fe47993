/**
 * The MSP-wide defaults until the settings capability (`GET|PUT /v1/settings`) holds them: the
 * currency of a company (and so of its contracts) that names none. From the environment
 * (shared/env.ts), which the stack sets from its `defaultCurrency` setting (infra/config.ts).
 */
import { ENV, optionalEnv } from '../env';
import { readCurrency, type Currency } from './money';

export const DEFAULT_CURRENCY = 'USD';

/** The MSP's currency: `DEFAULT_CURRENCY` when set and valid (a 2-decimal ISO 4217 code), else USD. */
export const mspCurrency = (): Currency => {
  const r = readCurrency(optionalEnv(ENV.DEFAULT_CURRENCY) ?? DEFAULT_CURRENCY);
  return r.ok ? r.value : DEFAULT_CURRENCY;
};
