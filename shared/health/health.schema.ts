/** Health routes' shapes: the signals tools post, the score and its history. */
import * as z from 'zod';
import { isoTime, pageOf } from '../common/schemas';
import { HEALTH_WEIGHTS } from './health-score';

const share = z.number().min(0).max(1);
const count = z.number().int().min(0).max(10_000_000);

export const signalBody = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('backups'), observedAt: z.iso.datetime(), successRate: share, lastSuccessAt: z.iso.datetime().nullable() }),
    z
      .strictObject({ kind: z.literal('endpoints'), observedAt: z.iso.datetime(), total: count, healthy: count, patchCompliance: share })
      .refine((e) => e.healthy <= e.total, { path: ['healthy'], message: 'Must not exceed total' }),
    z.strictObject({ kind: z.literal('security'), observedAt: z.iso.datetime(), openThreats: count, criticalVulnerabilities: count }),
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
