/**
 * The health score's weighting (seed 001): every combination of components with and without
 * data (the 128 subsets of the seven), each re-weighted to 100 over those present, and the
 * score their weighted mean. Then each component's own scoring and reasons.
 */
import { describe, expect, it } from 'vitest';
import { HEALTH_WEIGHTS, healthScore, type HealthInputs } from '../../shared/health/health-score';

const now = new Date('2027-03-10T12:00:00Z');
const EMPTY: HealthInputs = { tickets: { open: 0, breachedOpen: 0, slaResolved: 0, slaResolvedLate: 0, resolutionMinutes: 0 }, invoices: { issued: 0, outstanding: 0, owed: [] } };
const WITH_DATA = {
  service: { tickets: { open: 3, breachedOpen: 0, slaResolved: 10, slaResolvedLate: 2, resolutionMinutes: 10 * 240 } },
  financial: { invoices: { issued: 4, outstanding: 1, owed: [{ currency: 'USD', amount: '250.00' }] } },
  backups: { backups: { observedAt: '2027-03-10T06:00:00Z', successRate: 0.9, lastSuccessAt: '2027-03-10T02:00:00Z' } },
  endpoints: { endpoints: { observedAt: '2027-03-10T06:00:00Z', total: 40, healthy: 36, patchCompliance: 0.8 } },
  security: { security: { observedAt: '2027-03-10T06:00:00Z', openThreats: 1, criticalVulnerabilities: 2 } },
  engagement: { engagement: { portalContacts: 3, logins: 2, lastLoginAt: '2027-03-08T09:00:00Z' } },
  communications: { communications: { sent: 40, bounces: 2, complaints: 0 } },
} satisfies Record<string, Partial<HealthInputs>>;
type Present = keyof typeof WITH_DATA;
const KEYS = Object.keys(WITH_DATA) as Present[];
const subsets = Array.from({ length: 2 ** KEYS.length }, (_, mask) => KEYS.filter((_, i) => mask & (1 << i)));

describe('re-weighting', () => {
  it.each(subsets.map((s) => [s.join(' + ') || 'nothing', s] as const))('with data for %s', (_, present) => {
    const inputs: HealthInputs = Object.assign({}, EMPTY, ...present.map((k) => WITH_DATA[k]));
    const { score, components } = healthScore(inputs, now);
    expect(components.map((c) => c.key)).toEqual(Object.keys(HEALTH_WEIGHTS));
    const withData = components.filter((c) => c.score !== null);
    expect(withData.map((c) => c.key).sort()).toEqual([...present].sort());
    for (const c of components) expect(c.reasons.length).toBeGreaterThan(0);
    if (!present.length) {
      expect(score).toBeNull();
      expect(components.every((c) => c.weight === 0)).toBe(true);
      return;
    }
    const total = present.reduce((sum, k) => sum + HEALTH_WEIGHTS[k], 0);
    // Shown to one decimal place.
    for (const c of components) expect(Math.abs(c.weight - (c.score === null ? 0 : (100 * HEALTH_WEIGHTS[c.key]) / total))).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(withData.reduce((sum, c) => sum + c.weight, 0)).toBeCloseTo(100, 0);
    expect(score).toBe(Math.round(withData.reduce((sum, c) => sum + (c.score! * HEALTH_WEIGHTS[c.key]) / total, 0)));
  });

});

describe('components', () => {
  const one = (inputs: Partial<HealthInputs>, key: string) => healthScore({ ...EMPTY, ...inputs }, now).components.find((c) => c.key === key)!;

  it('scores service from SLA compliance, breached open tickets and the backlog', () => {
    expect(one(WITH_DATA.service, 'service')).toEqual({ key: 'service', weight: 100, score: 70, reasons: ['80% of 10 resolved tickets met the resolution target', 'Average resolution 4.0 hours', '3 open tickets'] });
    expect(one({ tickets: { open: 2, breachedOpen: 2, slaResolved: 0, slaResolvedLate: 0, resolutionMinutes: 0 } }, 'service')).toMatchObject({ score: 70, reasons: ['2 open tickets past an SLA target', '2 open tickets'] });
  });

  it('scores financial from the share of sent invoices unpaid', () => {
    expect(one(WITH_DATA.financial, 'financial')).toMatchObject({ score: 75, reasons: ['1 invoice of 4 unpaid', 'Owed: 250.00 USD'] });
    expect(one({ invoices: { issued: 3, outstanding: 0, owed: [] } }, 'financial')).toMatchObject({ score: 100, reasons: ['All 3 sent invoices paid'] });
  });

  it('scores backups from the success rate and the age of the last good one', () => {
    expect(one(WITH_DATA.backups, 'backups').score).toBe(90);
    expect(one({ backups: { observedAt: '2027-03-10T06:00:00Z', successRate: 1, lastSuccessAt: '2027-03-06T12:00:00Z' } }, 'backups')).toMatchObject({ score: 70, reasons: ['Backup success rate 100%', 'Last successful backup 4 days ago'] });
    expect(one({ backups: { observedAt: '2027-03-10T06:00:00Z', successRate: 0.5, lastSuccessAt: null } }, 'backups').score).toBe(20);
  });

  it('scores engagement from portal logins this month and last, with no data while nobody can log in', () => {
    expect(one(WITH_DATA.engagement, 'engagement')).toMatchObject({ score: 70, reasons: ['2 portal logins this month and last', '3 contacts can log in', 'Last login 2027-03-08'] });
    expect(one({ engagement: { portalContacts: 2, logins: 0, lastLoginAt: null } }, 'engagement')).toMatchObject({ score: 10, reasons: ['0 portal logins this month and last', '2 contacts can log in'] });
    expect(one({ engagement: { portalContacts: 1, logins: 9, lastLoginAt: '2027-03-10T08:00:00Z' } }, 'engagement').score).toBe(100);
    expect(one({ engagement: { portalContacts: 0, logins: 0, lastLoginAt: null } }, 'engagement')).toMatchObject({ score: null, reasons: ['No contact can log in to the portal'] });
  });

  it('scores communications from the hard bounces and complaints of the mail sent to the company', () => {
    expect(one(WITH_DATA.communications, 'communications')).toMatchObject({ score: 90, reasons: ['40 emails sent this month and last', '2 hard bounces', '0 complaints'] });
    expect(one({ communications: { sent: 100, bounces: 0, complaints: 1 } }, 'communications').score).toBe(90);
    expect(one({ communications: { sent: 0, bounces: 0, complaints: 0 } }, 'communications')).toMatchObject({ score: null, reasons: ['No email sent to the company this month or last'] });
  });

  it('scores endpoints and security from what the tools report', () => {
    expect(one(WITH_DATA.endpoints, 'endpoints')).toMatchObject({ score: 85, reasons: ['36 of 40 devices healthy', 'Patch compliance 80%'] });
    expect(one(WITH_DATA.security, 'security')).toMatchObject({ score: 55, reasons: ['1 open threat', '2 critical vulnerabilities'] });
    expect(one({ security: { observedAt: '2027-03-10T06:00:00Z', openThreats: 9, criticalVulnerabilities: 0 } }, 'security').score).toBe(0);
  });
});
