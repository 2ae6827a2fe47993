/** Health routes' shapes: the signals tools post, the score and its history. */
import * as z from 'zod';
import { isoTime, pageOf } from '../common/schemas';
import { HEALTH_WEIGHTS } from './health-score';

/** A share 0–1, kept to 4 decimal places (DynamoDB's numbers stop at 1e-130; a tool's 1e-300 is 0). */
const share = z
  .number()
  .min(0)
  .max(1)
  .transform((v) => Math.round(v * 10_000) / 10_000);
const count = z.number().int().min(0).max(10_000_000);
/** When the tool observed it: not later than a few minutes from now (a signal from the future would shadow every real one, the latest winning). */
const observedAt = z.iso
  .datetime()
  .refine((t) => Date.parse(t) <= Date.now() + 5 * 60_000, 'Must not be in the future')
  .meta({ description: 'When the tool observed it (ISO 8601); the latest per kind wins' });

export const signalBody = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('backups'), observedAt, successRate: share, lastSuccessAt: z.iso.datetime().nullable() }),
    z
      .strictObject({ kind: z.literal('endpoints'), observedAt, total: count, healthy: count, patchCompliance: share })
      .refine((e) => e.healthy <= e.total, { path: ['healthy'], message: 'Must not exceed total' }),
    z.strictObject({ kind: z.literal('security'), observedAt, openThreats: count, criticalVulnerabilities: count }),
  ])
  .meta({ id: 'HealthSignal' });
export type SignalInput = z.output<typeof signalBody>;

const componentKey = z.enum(Object.keys(HEALTH_WEIGHTS) as [keyof typeof HEALTH_WEIGHTS, ...(keyof typeof HEALTH_WEIGHTS)[]]);

export const healthSchema = z
  .object({
    score: z.number().int().min(0).max(100).nullable(),
    components: z.array(
      z.object({
        key: componentKey,
        weight: z.number().meta({ description: 'Its share of the score in percent: the nominal weight (service 25, endpoints 20, security 20, backups 15, financial 10, engagement 5, communications 5) re-normalised over the components with data; 0 without data' }),
        score: z.number().int().min(0).max(100).nullable(),
        reasons: z.array(z.string()),
      }),
    ),
    computedAt: isoTime,
  })
  .meta({ id: 'Health' });

export const healthHistorySchema = pageOf(
  z.object({ date: z.string().meta({ description: "The MSP's date (its time zone)" }), score: z.number().int().nullable(), computedAt: isoTime }).meta({ id: 'HealthSnapshot' }),
  'HealthHistoryPage',
);

export const signalAcceptedSchema = z.object({ kind: z.string(), observedAt: isoTime, current: z.boolean().meta({ description: 'false: a newer signal of this kind was already in (this one is kept out)' }) }).meta({ id: 'SignalAccepted' });
