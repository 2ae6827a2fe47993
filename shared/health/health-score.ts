/**
 * The client health score (API.md v1.1 "Onboarding, health and the Client 360"; seed 001's
 * Command Center): seven weighted components, each scored 0–100 from its own data with the
 * reasons in words. A component without data is `null` and left out, and the others' weights
 * are re-normalised to 100; no component with data: the score is `null`. Pure: the inputs are
 * what the company item's counters and the latest signals say (health.service.ts reads them).
 */

export const HEALTH_WEIGHTS = { service: 25, endpoints: 20, security: 20, backups: 15, financial: 10, engagement: 5, communications: 5 } as const;
export type HealthComponentKey = keyof typeof HEALTH_WEIGHTS;

export interface HealthComponent {
  key: HealthComponentKey;
  weight: number;
  score: number | null;
  reasons: string[];
}

export interface HealthInputs {
  /** Ticket counters of the company item (tickets with an SLA clock, since SLAs exist). */
  tickets: { open: number; breachedOpen: number; slaResolved: number; slaResolvedLate: number; resolutionMinutes: number };
  invoices: { issued: number; outstanding: number; owed: { currency: string; amount: string }[] };
  backups?: { observedAt: string; successRate: number; lastSuccessAt: string | null };
  endpoints?: { observedAt: string; total: number; healthy: number; patchCompliance: number };
  security?: { observedAt: string; openThreats: number; criticalVulnerabilities: number };
  /** Portal use: contacts who can log in, logins this month and the month before, the last one. */
  engagement?: { portalContacts: number; logins: number; lastLoginAt: string | null };
  /** Mail to the company this month and last: sent, hard bounces, complaints (replies are not counted yet). */
  communications?: { sent: number; bounces: number; complaints: number };
}

const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));
const pct = (x: number) => `${Math.round(x * 100)}%`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const service = ({ tickets: t }: HealthInputs): Omit<HealthComponent, 'key' | 'weight'> => {
  if (t.open === 0 && t.slaResolved === 0) return { score: null, reasons: ['No tickets with an SLA yet'] };
  const reasons: string[] = [];
  let score = 100;
  if (t.slaResolved > 0) {
    const compliance = 1 - t.slaResolvedLate / t.slaResolved;
    // Compliance weighs most: every point under 100% costs a point and a half.
    score -= (1 - compliance) * 150;
    reasons.push(`${pct(compliance)} of ${plural(t.slaResolved, 'resolved ticket')} met the resolution target`);
    const avgHours = t.resolutionMinutes / t.slaResolved / 60;
    reasons.push(`Average resolution ${avgHours < 10 ? avgHours.toFixed(1) : Math.round(avgHours)} hours`);
  }
  if (t.breachedOpen > 0) {
    score -= 15 * t.breachedOpen;
    reasons.push(`${plural(t.breachedOpen, 'open ticket')} past an SLA target`);
  }
  if (t.open > 10) score -= Math.min(20, t.open - 10);
  reasons.push(`${plural(t.open, 'open ticket')}`);
  return { score: clamp(score), reasons };
};

const financial = ({ invoices: i }: HealthInputs): Omit<HealthComponent, 'key' | 'weight'> => {
  if (i.issued === 0) return { score: null, reasons: ['No invoices sent yet'] };
  if (i.outstanding === 0) return { score: 100, reasons: [`All ${plural(i.issued, 'sent invoice')} paid`] };
  const share = i.outstanding / i.issued;
  return {
    score: clamp(100 - share * 100),
    reasons: [`${plural(i.outstanding, 'invoice')} of ${i.issued} unpaid`, `Owed: ${i.owed.map((o) => `${o.amount} ${o.currency}`).join(', ')}`],
  };
};

const ageDays = (iso: string, now: Date) => (now.getTime() - Date.parse(iso)) / 86_400_000;

const backups = ({ backups: b }: HealthInputs, now: Date): Omit<HealthComponent, 'key' | 'weight'> => {
  if (!b) return { score: null, reasons: ['No backup signal received'] };
  const reasons = [`Backup success rate ${pct(b.successRate)}`];
  let score = b.successRate * 100;
  if (!b.lastSuccessAt) {
    score = Math.min(score, 20);
    reasons.push('No successful backup reported');
  } else {
    const age = ageDays(b.lastSuccessAt, now);
    // A day without a good backup is normal; every day after costs 10 points.
    if (age > 1) score -= Math.min(60, (age - 1) * 10);
    reasons.push(`Last successful backup ${age < 1 ? 'within a day' : `${Math.floor(age)} days ago`}`);
  }
  return { score: clamp(score), reasons };
};

const endpoints = ({ endpoints: e }: HealthInputs): Omit<HealthComponent, 'key' | 'weight'> => {
  if (!e || e.total === 0) return { score: null, reasons: [e ? 'The RMM reports no devices' : 'No endpoint signal received'] };
  const healthy = e.healthy / e.total;
  return {
    score: clamp(healthy * 50 + e.patchCompliance * 50),
    reasons: [`${e.healthy} of ${plural(e.total, 'device')} healthy`, `Patch compliance ${pct(e.patchCompliance)}`],
  };
};

const security = ({ security: s }: HealthInputs): Omit<HealthComponent, 'key' | 'weight'> => {
  if (!s) return { score: null, reasons: ['No security signal received'] };
  const score = 100 - 25 * s.openThreats - 10 * s.criticalVulnerabilities;
  return {
    score: clamp(score),
    reasons: [s.openThreats ? `${plural(s.openThreats, 'open threat')}` : 'No open threats', s.criticalVulnerabilities ? `${plural(s.criticalVulnerabilities, 'critical vulnerability', 'critical vulnerabilities')}` : 'No critical vulnerabilities'],
  };
};

const engagement = ({ engagement: e }: HealthInputs): Omit<HealthComponent, 'key' | 'weight'> => {
  if (!e || (e.portalContacts === 0 && e.logins === 0)) return { score: null, reasons: ['No contact can log in to the portal'] };
  // Logins this month and last: none is a client that does not use the portal it has.
  const score = e.logins >= 4 ? 100 : [10, 50, 70, 85][e.logins]!;
  return {
    score,
    reasons: [`${plural(e.logins, 'portal login')} this month and last`, `${plural(e.portalContacts, 'contact')} can log in`, ...(e.lastLoginAt ? [`Last login ${e.lastLoginAt.slice(0, 10)}`] : [])],
  };
};

const communications = ({ communications: m }: HealthInputs): Omit<HealthComponent, 'key' | 'weight'> => {
  if (!m || m.sent === 0) return { score: null, reasons: ['No email sent to the company this month or last'] };
  const bounceRate = Math.min(1, m.bounces / m.sent);
  const complaintRate = Math.min(1, m.complaints / m.sent);
  // Every bounced address is a contact who hears nothing; a complaint weighs five times as much.
  return {
    score: clamp(100 - bounceRate * 200 - complaintRate * 1000),
    reasons: [`${plural(m.sent, 'email')} sent this month and last`, `${plural(m.bounces, 'hard bounce')}`, `${plural(m.complaints, 'complaint')}`],
  };
};

const SCORERS: Record<HealthComponentKey, (i: HealthInputs, now: Date) => Omit<HealthComponent, 'key' | 'weight'>> = {
  service,
  endpoints,
  security,
  backups,
  financial,
  engagement,
  communications,
};

/**
 * The score and its components. `weight` is each component's share of the score as computed:
 * its nominal weight re-normalised over the components with data (0 for one without), so the
 * weights shown always add up to 100 when there is a score.
 */
export const healthScore = (inputs: HealthInputs, now = new Date()): { score: number | null; components: HealthComponent[] } => {
  const scored = (Object.keys(HEALTH_WEIGHTS) as HealthComponentKey[]).map((key) => ({ key, nominal: HEALTH_WEIGHTS[key], ...SCORERS[key](inputs, now) }));
  const present = scored.filter((c) => c.score !== null);
  const total = present.reduce((sum, c) => sum + c.nominal, 0);
  const components = scored.map(({ key, nominal, score, reasons }) => ({
    key,
    weight: score === null || total === 0 ? 0 : Math.round((nominal / total) * 1000) / 10,
    score,
    reasons,
  }));
  if (total === 0) return { score: null, components };
  return { score: clamp(present.reduce((sum, c) => sum + (c.score! * c.nominal) / total, 0)), components };
};
