/**
 * Queues and their workers, as data: the CDK stack and the local stack both create every
 * queue (with its dead-letter queue) and drive every worker from this list.
 */
/** Every queue, by name; `queues` below describes each. */
export const QUEUE_NAMES = ['mail', 'mail-events', 'm365-sync', 'quickbooks-sync', 'imports', 'company-cleanup', 'portal-requests', 'events', 'billing', 'webhooks'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface WorkerDef {
  /** Handler module, relative to the repository root; it exports `handler` (SQS event). */
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  batchSize: number;
  /** Queues it hands work to, through the outbox (no SQS access of its own; the relay sends). */
  queues?: readonly QueueName[];
  table: 'none' | 'read' | 'write';
  /** Sends mail through SES. */
  mail?: boolean;
  /** Talks to QuickBooks Online. */
  quickbooks?: boolean;
  /** Talks to Microsoft 365. */
  m365?: boolean;
  /** Signs webhook deliveries: reads the webhook-secret key. */
  webhooks?: boolean;
}

export interface QueueDef {
  name: QueueName;
  /** Deliveries before a message goes to the dead-letter queue (≥ 5). */
  maxReceiveCount: number;
  /** Its messages hold secrets (set-up links): sealed in the outbox, so the table never holds them in the clear. */
  sealed?: boolean;
  /** The consumer (Lambda with ReportBatchItemFailures on AWS; infra/local/workers.ts locally). */
  worker?: WorkerDef;
  purpose: string;
}

export const queues = [
  {
    name: 'mail',
    maxReceiveCount: 5,
    sealed: true,
    purpose: 'Outgoing email (portal invitations, password resets) sent through SES',
    worker: { handler: 'functions/mail/send-mail.ts', timeoutSeconds: 30, memoryMb: 256, batchSize: 10, table: 'write', mail: true },
  },
  {
    // Filled by SES (configuration set → SNS topic → this queue, infra/stack.ts); nothing of ours sends to it.
    name: 'mail-events',
    maxReceiveCount: 5,
    purpose: "SES's bounce and complaint events of the mail we send, counted on the client company they were to (health's communications component)",
    worker: { handler: 'functions/mail/record-mail-event.ts', timeoutSeconds: 30, memoryMb: 256, batchSize: 10, table: 'write' },
  },
  {
    name: 'm365-sync',
    maxReceiveCount: 5,
    purpose: 'Microsoft 365 / Entra ID sync jobs, and the scheduled sync of every linked active company',
    worker: { handler: 'functions/m365/sync-tenant.ts', timeoutSeconds: 900, memoryMb: 1024, batchSize: 1, table: 'write', queues: ['m365-sync'], m365: true },
  },
  {
    name: 'quickbooks-sync',
    maxReceiveCount: 5,
    purpose: 'QuickBooks customer (de)activation after archive, restore and permanent delete; sent invoices created in QuickBooks once',
    worker: { handler: 'functions/quickbooks/sync-customer.ts', timeoutSeconds: 60, memoryMb: 256, batchSize: 5, table: 'write', quickbooks: true },
  },
  {
    name: 'imports',
    maxReceiveCount: 5,
    purpose: 'CSV import jobs: parse the stored upload as a stream and write in batches, resumable from a checkpoint',
    worker: { handler: 'functions/imports/run-import.ts', timeoutSeconds: 900, memoryMb: 1024, batchSize: 1, table: 'write', queues: ['imports'] },
  },
  {
    name: 'company-cleanup',
    maxReceiveCount: 5,
    purpose: 'Unassigning related records and deleting company data after a permanent delete',
    worker: { handler: 'functions/companies/cleanup-company.ts', timeoutSeconds: 300, memoryMb: 512, batchSize: 1, table: 'write', queues: ['company-cleanup'] },
  },
  {
    name: 'billing',
    maxReceiveCount: 5,
    purpose: 'Billing runs (by hand or the daily schedule): one draft invoice per contract and period due, resumable; then the billed time entries stamped with their invoice',
    worker: { handler: 'functions/billing-runs/run-billing.ts', timeoutSeconds: 900, memoryMb: 1024, batchSize: 1, table: 'write', queues: ['billing'] },
  },
  {
    name: 'portal-requests',
    maxReceiveCount: 5,
    purpose: 'Public portal requests (password resets) carried out after the route answered, so its timing says nothing about the address',
    worker: { handler: 'functions/portal/portal-requests.ts', timeoutSeconds: 30, memoryMb: 256, batchSize: 10, table: 'write', queues: ['mail'] },
  },
  {
    name: 'events',
    maxReceiveCount: 5,
    purpose: 'Domain events that follow a commit (ticket created / updated / resolved, invoice sent, contract renewing): the notifier mails them by the companies\' notification rules',
    worker: { handler: 'functions/notifications/notify.ts', timeoutSeconds: 120, memoryMb: 256, batchSize: 5, table: 'write', queues: ['mail'] },
  },
  {
    name: 'webhooks',
    maxReceiveCount: 5,
    purpose:
      "Webhook attempts (CRM sync): each message is one attempt of one delivery, signed per Standard Webhooks and recorded in the delivery log; a failure queues the next (delayed) or leaves it due for the `webhook-retries` schedule",
    worker: { handler: 'functions/webhooks/deliver.ts', timeoutSeconds: 60, memoryMb: 256, batchSize: 10, table: 'write', queues: ['webhooks'], webhooks: true },
  },
] as const satisfies readonly QueueDef[];


/** Queues whose outbox items are sealed (`enqueueSealed`). */
export type SealedQueueName = Extract<(typeof queues)[number], { sealed: true }>['name'];
export const isSealed = (name: QueueName): name is SealedQueueName => queues.some((q) => q.name === name && 'sealed' in q && q.sealed);

/** API Gateway forbids nothing here, but SQS wants ≥ 6× the worker's timeout. */
export const visibilityTimeoutSeconds = (q: QueueDef): number => Math.max(30, 6 * (q.worker?.timeoutSeconds ?? 30));

/** Scheduled messages EventBridge puts on a queue. */
export const schedules = [
  { name: 'm365-daily-sync', expression: 'cron(0 3 * * ? *)', queue: 'm365-sync', message: { type: 'sync-all-linked' }, purpose: 'Daily Microsoft 365 sync of every linked active company' },
  { name: 'daily-billing-run', expression: 'cron(0 5 * * ? *)', queue: 'billing', message: { type: 'scheduled' }, purpose: "Daily billing run through today (the MSP's date): every active contract due is invoiced once" },
] as const satisfies readonly { name: string; expression: string; queue: QueueName; message: unknown; purpose: string }[];

/**
 * Queues whose messages run leased long jobs (`shared/jobs/job-kinds.ts`): the job sweeper queues
 * overdue jobs onto them again, and what reaches their dead-letter queues fails its job.
 */
export const JOB_QUEUES = ['imports', 'm365-sync', 'company-cleanup', 'billing'] as const satisfies readonly QueueName[];

export interface FunctionScheduleDef {
  name: string;
  /** EventBridge `rate(n minutes)` (`rate(1 minute)`); the local stack runs it at start and then at the same rate. */
  expression: `rate(${number} minutes)` | 'rate(1 minute)';
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  table: 'read' | 'write';
  queues: readonly QueueName[];
  purpose: string;
}

/** Functions EventBridge invokes on a schedule (no queue in between). */
export const functionSchedules = [
  {
    name: 'job-sweeper',
    expression: 'rate(5 minutes)',
    handler: 'functions/jobs/sweep-jobs.ts',
    timeoutSeconds: 120,
    memoryMb: 256,
    table: 'write',
    queues: JOB_QUEUES,
    purpose: 'Queues again every unfinished job whose lease lapsed (its worker died) or whose message was never picked up, so it resumes from its checkpoint',
  },
  {
    name: 'contract-renewals',
    expression: 'rate(1440 minutes)',
    handler: 'functions/contracts/settle-ended-contracts.ts',
    timeoutSeconds: 300,
    memoryMb: 256,
    table: 'write',
    queues: ['events'],
    purpose: 'Daily: renews every auto-renewing active contract whose end date has passed (a `contract.renewing` event each) and expires the others, audited',
  },
  {
    name: 'sla-breach-check',
    expression: 'rate(5 minutes)',
    handler: 'functions/sla/check-sla-breaches.ts',
    timeoutSeconds: 120,
    memoryMb: 256,
    table: 'write',
    queues: [],
    purpose: "Flags the SLA targets of open tickets that have passed their due time unmet (reads only those, from the SLA index)",
  },
  {
    name: 'health-snapshots',
    expression: 'rate(1440 minutes)',
    handler: 'functions/health/snapshot-health.ts',
    timeoutSeconds: 900,
    memoryMb: 512,
    table: 'write',
    queues: [],
    purpose: "Nightly: keeps today's health score of every active company, for its trend",
  },
  {
    name: 'webhook-retries',
    expression: 'rate(1 minute)',
    handler: 'functions/webhooks/retry-deliveries.ts',
    timeoutSeconds: 60,
    memoryMb: 256,
    table: 'write',
    queues: ['webhooks'],
    purpose: 'Queues the next attempt of every webhook delivery that is due: retries waiting longer than SQS can delay a message (30 min to 8 h), and attempts a crash lost',
  },
] as const satisfies readonly FunctionScheduleDef[];

/** `rate(5 minutes)` → 300000. */
export const rateMs = (expression: FunctionScheduleDef['expression']): number => Number(/^rate\((\d+) minutes?\)$/.exec(expression)![1]) * 60_000;

/** The consumer of the job queues' dead-letter queues: each message fails its job with a reason. */
export const deadLetterConsumer = {
  handler: 'functions/jobs/fail-dead-letters.ts',
  queues: JOB_QUEUES,
  timeoutSeconds: 30,
  memoryMb: 256,
  batchSize: 10,
  table: 'write',
  purpose: 'Marks the job of every message that reached a job queue’s dead-letter queue failed, with a reason',
} as const;

/** Dead-letter queues are consumed too (the job queues'), so they follow the same ≥ 6× rule against their consumer. */
export const deadLetterVisibilityTimeoutSeconds = 6 * deadLetterConsumer.timeoutSeconds;
