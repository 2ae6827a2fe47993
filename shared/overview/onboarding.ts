/**
 * The seven onboarding steps of seed 001, each derived from data and never ticked by hand, so
 * they stay true when the data changes (a contract cancelled undoes its step). Pure: the
 * inputs are the company item (counters, settings), its active contracts and the default
 * SLA policy, which the overview reads (overview.service.ts).
 */
import { settingsOf } from '../settings/client-settings';

export const ONBOARDING_STEPS = ['record', 'contacts', 'contract', 'sla', 'portal', 'assets', 'notifications'] as const;
export type OnboardingStepKey = (typeof ONBOARDING_STEPS)[number];

export interface OnboardingStep {
  key: OnboardingStepKey;
  done: boolean;
  detail: string;
}
export interface Onboarding {
  steps: OnboardingStep[];
  done: number;
  total: number;
}

export interface OnboardingInputs {
  company: Record<string, unknown>;
  activeContracts: number;
  /** The default SLA policy's name (none: no policy exists). */
  defaultPolicyName: string | null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const onboarding = ({ company, activeContracts, defaultPolicyName }: OnboardingInputs): Onboarding => {
  const counts = (company.counts ?? {}) as Record<string, number>;
  const settings = settingsOf(company);
  const contacts = counts.contacts ?? 0;
  const portal = counts.portalContacts ?? 0;
  const assets = counts.assets ?? 0;
  const rules = settings.notificationRules.length;
  const steps: OnboardingStep[] = [
    { key: 'record', done: Boolean(company.primaryContactId), detail: company.primaryContactId ? 'Company record with a primary contact' : 'No primary contact yet' },
    // The primary contact and at least one more: the people who raise tickets and get notifications.
    { key: 'contacts', done: contacts >= 2, detail: contacts >= 2 ? plural(contacts, 'contact') : `${plural(contacts, 'contact')}: add the people who raise tickets or get notifications` },
    { key: 'contract', done: activeContracts > 0, detail: activeContracts ? plural(activeContracts, 'active contract') : 'No active contract' },
    {
      key: 'sla',
      done: Boolean(settings.slaPolicyId || defaultPolicyName),
      detail: settings.slaPolicyId ? 'Its own SLA policy' : defaultPolicyName ? `The default SLA policy (${defaultPolicyName})` : 'No SLA policy exists yet',
    },
    { key: 'portal', done: portal > 0, detail: portal ? `${plural(portal, 'contact')} can log in to the portal` : 'No contact has set up portal access' },
    { key: 'assets', done: assets > 0, detail: assets ? plural(assets, 'asset') : 'No assets linked' },
    { key: 'notifications', done: rules > 0, detail: rules ? plural(rules, 'notification rule') : 'No notification rules' },
  ];
  return { steps, done: steps.filter((s) => s.done).length, total: steps.length };
};
