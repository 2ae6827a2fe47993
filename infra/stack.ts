/**
 * The whole application on AWS, generated from the same tables the local stack reads:
 * `shared/routes.ts` (a route and authorizer per entry; one function per area, and one per route
 * that must stay apart, granted the union of the access its routes declare; one integration and
 * one invoke permission per function, so a route costs one resource), `shared/queues.ts` (queues, dead-letter queues, workers, schedules),
 * `shared/streams.ts` (the outbox relay on the table's stream) and `shared/db/table.ts` (the table).
 * The background functions (workers, schedules, stream consumers) are a nested stack, `Background`
 * (README "Architecture", **Two stacks**): two templates, each within CloudFormation's 500 resources.
 */
import { CfnOutput, type CfnResource, Duration, NestedStack, Names, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { CfnStage, CorsHttpMethod, HttpApi, HttpMethod, HttpRoute, HttpRouteKey, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPoolOperation,
  UserPool,
  UserPoolClient,
  type UserPoolProps,
} from 'aws-cdk-lib/aws-cognito';
import { AttributeType, Billing, ProjectionType, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Effect, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, FilterCriteria, StartingPosition, type Function as AwsFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ConfigurationSet, EmailIdentity, EmailSendingEvent, EventDestination, Identity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { table as tableShape } from '../shared/db/table';
import { ENV, queueUrlEnv } from '../shared/env';
import { deadLetterConsumer, deadLetterVisibilityTimeoutSeconds, functionSchedules, isSealed, queues, schedules, visibilityTimeoutSeconds, type QueueName, type WorkerDef } from '../shared/queues';
import { apiFunctions, fallbackRoute, fallbackThrottle, routeFunctionDefaults, routeKeyOf, routes, throttleOf, type ApiFunction, type RouteDef, type TableAccess, type Throttle } from '../shared/routes';
import { streamConsumers } from '../shared/streams';
import { cognitoTriggers } from '../shared/triggers';
import { PORTAL_CLIENT_ATTRIBUTES, PORTAL_CUSTOM_ATTRIBUTES, type PortalStandardAttribute } from '../shared/portal/portal-pool';
import { DOCS_ASSETS } from '../functions/openapi/get-docs';
import type { Config } from './config';
import { AppFunction } from './function';

/** What one function may do: the union over the routes (or the worker) it serves. */
interface Needs {
  table: TableAccess;
  /** Manages portal-pool users. */
  portalUsers: boolean;
  /** Reads the staff directory (staff-pool users and their groups). */
  staffDirectory: boolean;
  /** Gets the pool and client ids in its environment (not the pool's own triggers: that would be a cycle). */
  poolIds: boolean;
  queues: Set<QueueName>;
  signing: boolean;
  mail: boolean;
  /** Talks to QuickBooks Online: its app settings, client secret and the token-encryption key. */
  quickbooks: boolean;
  /** Talks to Microsoft 365: the app's settings and client secret. */
  m365: boolean;
  /** Seals or unseals outbox messages of sealed queues (mail: set-up links). */
  outboxKey: boolean;
  /** Seals or unseals webhook signing secrets (shared/webhooks). */
  webhookKey: boolean;
  timeoutSeconds: number;
  memoryMb: number;
}

/** What managing a contact's portal user takes (shared/portal/portal-users.ts), on the portal pool only. */
const PORTAL_USER_ACTIONS = [
  'AdminCreateUser',
  'AdminGetUser',
  'AdminUpdateUserAttributes',
  'AdminSetUserPassword',
  'AdminDisableUser',
  'AdminEnableUser',
  'AdminUserGlobalSignOut',
  'AdminDeleteUser',
];

/** What reading the staff directory takes (shared/staff/staff-directory.ts): two read-only actions, on the staff pool only. */
const STAFF_DIRECTORY_ACTIONS = ['ListUsers', 'ListUsersInGroup'];

const TABLE_RANK: Record<TableAccess, number> = { none: 0, read: 1, write: 2 };
const widest = (a: TableAccess, b: TableAccess): TableAccess => (TABLE_RANK[a] >= TABLE_RANK[b] ? a : b);

/** An API function's needs: the union of its routes' (an area function's routes each declare theirs). */
const apiFunctionNeeds = (f: ApiFunction): Needs => {
  const served = f.routes;
  return {
    table: served.reduce<TableAccess>((t, r) => widest(t, r.table), 'none'),
    portalUsers: served.some((r) => r.portalUsers),
    staffDirectory: served.some((r) => r.staffDirectory),
    poolIds: true,
    // What a route queues goes through the outbox (an item in its own transaction): only the relay sends.
    queues: new Set(),
    signing: served.some((r) => r.signing),
    mail: false,
    quickbooks: served.some((r) => r.quickbooks),
    m365: served.some((r) => r.m365),
    outboxKey: served.some((r) => (r.queues ?? []).some(isSealed)),
    webhookKey: served.some((r) => r.webhooks),
    timeoutSeconds: f.timeoutSeconds,
    memoryMb: f.memoryMb,
  };
};

const workerNeeds = (w: WorkerDef): Needs => ({
  table: w.table,
  portalUsers: false,
  staffDirectory: false,
  poolIds: true,
  queues: new Set(), // continuations go through the outbox too
  signing: false,
  mail: w.mail ?? false,
  quickbooks: w.quickbooks ?? false,
  m365: w.m365 ?? false,
  outboxKey: (w.queues ?? []).some(isSealed),
  webhookKey: w.webhooks ?? false,
  timeoutSeconds: w.timeoutSeconds,
  memoryMb: w.memoryMb,
});

const describeNeeds = (n: Needs, worker?: string): string =>
  [
    `table ${n.table}`,
    ...[...n.queues].map((q) => `send to ${q}`),
    n.signing && 'signing key',
    n.mail && 'SES',
    n.portalUsers && 'portal users',
    n.staffDirectory && 'staff directory',
    n.quickbooks && 'QuickBooks',
    n.m365 && 'Microsoft 365',
    n.outboxKey && 'outbox key',
    n.webhookKey && 'webhook key',
    worker && `consume ${worker}`,
  ]
    .filter(Boolean)
    .join(', ');

/** `functions/companies/create-company.ts` → `CompaniesCreateCompany` (the tests find constructs by it). */
export const constructId = (entry: string) =>
  entry
    .replace(/^functions\//, '')
    .replace(/\.ts$/, '')
    .split(/[/-]/)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

const retention = (days: number): RetentionDays => {
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number' && v > 0);
  return allowed.find((d) => d >= days) ?? RetentionDays.INFINITE;
};

export interface ClienteleStackProps extends StackProps {
  config: Config;
}

export class ClienteleStack extends Stack {
  constructor(scope: Construct, id: string, props: ClienteleStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = retention(config.logRetentionDays);

    // ── Data ─────────────────────────────────────────────────────────────────────────────
    const table = new TableV2(this, 'Table', {
      partitionKey: { name: tableShape.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableShape.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: tableShape.ttlAttribute,
      dynamoStream: StreamViewType[tableShape.stream],
      encryption: TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.RETAIN,
      // `clientele:dropIndex` leaves one index out for one deploy: CloudFormation cannot change an index's projection, so
      // an upgrade removes it and the next deploy creates it again (README, "Upgrading a deployment to keys-only indexes").
      globalSecondaryIndexes: tableShape.indexes
        .filter((i) => i.name !== config.dropIndex)
        .map((i) => ({
          indexName: i.name,
          partitionKey: { name: i.partitionKey, type: AttributeType.STRING },
          sortKey: { name: i.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType[i.projection],
        })),
    });

    const signingKey = new Secret(this, 'SigningKey', {
      description: 'HMAC key for list cursors, set-up links and OAuth state',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // QuickBooks Online: the app's client secret (the operator puts Intuit's value in after the first deploy)
    // and the key that encrypts the stored OAuth tokens.
    const quickBooksClientSecret = new Secret(this, 'QuickBooksClientSecret', {
      description: "QuickBooks Online app client secret (Intuit developer portal): replace the generated placeholder with the app's secret",
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Microsoft 365: the multi-tenant Entra app's client secret (the operator puts it in after the first deploy).
    const m365ClientSecret = new Secret(this, 'M365ClientSecret', {
      description: "Microsoft 365 (Entra) app client secret: replace the generated placeholder with the app registration's secret",
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const tokenEncryptionKey = new Secret(this, 'TokenEncryptionKey', {
      description: 'AES key that encrypts stored OAuth tokens (QuickBooks)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Seals outbox messages that hold set-up links, so the table (and its backups) never holds them in the clear.
    const outboxKey = new Secret(this, 'OutboxKey', {
      description: 'AES key that seals outbox messages holding set-up links (mail)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Seals webhook signing secrets, so the table never holds them in the clear; read only by the webhook routes and the delivery worker.
    const webhookKey = new Secret(this, 'WebhookKey', {
      description: 'AES key that seals webhook signing secrets',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ── Identity ─────────────────────────────────────────────────────────────────────────
    const poolDefaults: UserPoolProps = {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Threat protection (compromised credentials, adaptive authentication) needs the Plus plan.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
    };
    // Staff: admin-created users only, MFA (TOTP) required, one group per role.
    const staffPool = new UserPool(this, 'StaffPool', {
      ...poolDefaults,
      userPoolName: `${this.stackName}-staff`,
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
    });
    const staffClient = new UserPoolClient(this, 'StaffClient', {
      userPool: staffPool,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      generateSecret: false,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });
    const staffGroups = routes.flatMap((r) => (r.pool === 'staff' ? (r.groups ?? []) : []));
    for (const group of new Set(['SuperAdmin', ...staffGroups])) {
      new CfnUserPoolGroup(this, `Group${group}`, { userPoolId: staffPool.userPoolId, groupName: group, description: `Clientele role ${group}` });
    }

    // Portal: client contacts, invited by staff (no self sign-up); hosted UI with authorization code + PKCE.
    // Schema and client permissions come from shared/portal/portal-pool.ts (the local pool is made from it too).
    // `V2`: the immutable custom:contactId and the optional email are schema changes Cognito cannot make
    // in place, so this is a new pool; see README "Upgrading a deployment from before the sub binding".
    const portalPool = new UserPool(this, 'PortalPoolV2', {
      ...poolDefaults,
      userPoolName: `${this.stackName}-portal`,
      // Not required: Cognito makes a required attribute writable by every app client, and the portal
      // client may not write email (staff change it). Clientele always sets it at AdminCreateUser.
      standardAttributes: { email: { required: false, mutable: true } },
      customAttributes: Object.fromEntries(
        Object.entries(PORTAL_CUSTOM_ATTRIBUTES).map(([name, a]) => [name, new StringAttribute({ mutable: a.mutable, minLen: a.minLen, maxLen: a.maxLen })]),
      ),
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
    });
    portalPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix: config.portalDomainPrefix } });
    const clientAttributes = (list: readonly PortalStandardAttribute[]) => new ClientAttributes().withStandardAttributes(Object.fromEntries(list.map((a) => [a, true])));
    const portalClient = portalPool.addClient('PortalWebClient', {
      generateSecret: false,
      readAttributes: clientAttributes(PORTAL_CLIENT_ATTRIBUTES.read),
      writeAttributes: clientAttributes(PORTAL_CLIENT_ATTRIBUTES.write),
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: config.portalCallbackUrls,
        logoutUrls: config.portalLogoutUrls,
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    // ── Mail ─────────────────────────────────────────────────────────────────────────────
    const configurationSet = new ConfigurationSet(this, 'MailConfiguration', { reputationMetrics: true });
    const mailIdentity = new EmailIdentity(this, 'MailFrom', { identity: Identity.email(config.mailFrom), configurationSet });
    const mailFrom = config.mailFrom;

    // ── Queues ───────────────────────────────────────────────────────────────────────────
    // Anything that reaches a dead-letter queue needs a person. A consumer drains the job queues' ones within
    // seconds (failing the job), so the messages it received count as well as those still waiting.
    const alarmOnDeadLetters = (id: string, dlq: Queue, description: string) =>
      new Alarm(this, id, {
        alarmDescription: description,
        metric: new MathExpression({
          expression: 'FILL(visible, 0) + FILL(received, 0)',
          usingMetrics: {
            visible: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
            received: dlq.metricNumberOfMessagesReceived({ period: Duration.minutes(1), statistic: 'Sum' }),
          },
          label: 'messages in or received from the dead-letter queue',
          period: Duration.minutes(1),
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    const queueByName = new Map<QueueName, Queue>();
    const dlqByName = new Map<QueueName, Queue>();
    for (const q of queues) {
      const dlq = new Queue(this, `${constructId(q.name)}Dlq`, {
        retentionPeriod: Duration.days(14),
        visibilityTimeout: Duration.seconds(deadLetterVisibilityTimeoutSeconds),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      queueByName.set(
        q.name,
        new Queue(this, `${constructId(q.name)}Queue`, {
          visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(q)),
          retentionPeriod: Duration.days(4),
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          deadLetterQueue: { queue: dlq, maxReceiveCount: q.maxReceiveCount },
        }),
      );
      Validations.of(dlq).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue.' });
      dlqByName.set(q.name, dlq);
      alarmOnDeadLetters(`${constructId(q.name)}DlqAlarm`, dlq, `Messages reached the ${q.name} dead-letter queue (${q.purpose}): their work failed on every delivery.`);
    }
    // SES's bounces and complaints of the mail we send: configuration set → SNS topic (encrypted) → the mail-events queue.
    // SES cannot publish to a topic under the AWS-managed SNS key: a key of our own that SES may use.
    const mailEventsKey = new Key(this, 'MailEventsKey', { enableKeyRotation: true, description: "Encrypts SES's bounce and complaint events on their SNS topic" });
    // Only this account's SES, for this configuration set (no confused deputy); the topic's own policy, which
    // addEventDestination writes, has the same conditions.
    mailEventsKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName }) },
        },
      }),
    );
    const mailEvents = new Topic(this, 'MailEvents', { enforceSSL: true, masterKey: mailEventsKey });
    mailEvents.addSubscription(new SqsSubscription(queueByName.get('mail-events')!));
    configurationSet.addEventDestination('BouncesAndComplaints', { destination: EventDestination.snsTopic(mailEvents), events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT] });

    // ── Functions, each granted only what its routes or its queue declare ─────────────────
    const baseEnv = {
      [ENV.STAFF_USER_POOL_ID]: staffPool.userPoolId,
      [ENV.STAFF_CLIENT_ID]: staffClient.userPoolClientId,
      [ENV.PORTAL_USER_POOL_ID]: portalPool.userPoolId,
      [ENV.PORTAL_CLIENT_ID]: portalClient.userPoolClientId,
      [ENV.PORTAL_URL]: config.portalUrl,
    };
    // Intuit redirects back to the callback route; a custom domain sets it in config instead.
    const quickBooksEnv = (): Record<string, string> => ({
      ...(config.quickbooksClientId ? { [ENV.QUICKBOOKS_CLIENT_ID]: config.quickbooksClientId } : {}),
      [ENV.QUICKBOOKS_ENVIRONMENT]: config.quickbooksEnvironment,
      [ENV.QUICKBOOKS_REDIRECT_URI]: config.quickbooksRedirectUri ?? `${api.apiEndpoint}/v1/public/quickbooks/callback`,
      [ENV.QUICKBOOKS_CLIENT_SECRET_ARN]: quickBooksClientSecret.secretArn,
      [ENV.ENCRYPTION_SECRET_ARN]: tokenEncryptionKey.secretArn,
    });
    const m365Env = (): Record<string, string> => ({
      ...(config.m365ClientId ? { [ENV.M365_CLIENT_ID]: config.m365ClientId } : {}),
      ...(config.m365PartnerTenantId ? { [ENV.M365_PARTNER_TENANT_ID]: config.m365PartnerTenantId } : {}),
      [ENV.M365_REDIRECT_URI]: config.m365RedirectUri ?? `${api.apiEndpoint}/v1/public/m365/callback`,
      [ENV.M365_CLIENT_SECRET_ARN]: m365ClientSecret.secretArn,
    });
    // CloudFormation allows 500 resources per stack: functions with identical grants share one
    // role (never a wider one), and the functions of one area share a log group. The background
    // functions (workers, schedules, stream consumers) live in a nested stack of their own
    // (`Background`, below), each with its role there; the log groups stay here, in every case:
    // they have fixed names, which a move between stacks would make CloudFormation create twice.
    const logGroups = new Map<string, LogGroup>();
    const logGroupFor = (entry: string) => {
      const area = entry.split('/')[1]!;
      let group = logGroups.get(area);
      if (!group) {
        group = new LogGroup(this, `Logs${constructId(`functions/${area}.ts`)}`, { logGroupName: `/clientele/${this.stackName}/${area}`, retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
        logGroups.set(area, group);
      }
      return group;
    };
    // Roles are shared within a stack, never across (a role's policy lives beside it), and numbered
    // across both, so that the root stack's keep their logical ids and no id is in both templates.
    const roles = new Map<string, Role>();
    const roleFor = (scope: Construct, needs: Needs, worker?: string): Role => {
      const key = `${Stack.of(scope).node.path} ${JSON.stringify({ ...needs, queues: [...needs.queues].sort(), timeoutSeconds: 0, memoryMb: 0, worker })}`;
      let role = roles.get(key);
      if (role) return role;
      role = new Role(scope, `FunctionRole${roles.size + 1}`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
        description: `Clientele functions that need: ${describeNeeds(needs, worker)}`,
      });
      if (needs.table === 'read') table.grantReadData(role);
      if (needs.table === 'write') table.grantReadWriteData(role);
      if (needs.signing) signingKey.grantRead(role);
      if (needs.m365) m365ClientSecret.grantRead(role);
      if (needs.outboxKey) outboxKey.grantRead(role);
      if (needs.webhookKey) webhookKey.grantRead(role);
      if (needs.quickbooks) {
        quickBooksClientSecret.grantRead(role);
        tokenEncryptionKey.grantRead(role);
      }
      for (const q of needs.queues) queueByName.get(q)!.grantSendMessages(role);
      if (needs.portalUsers) {
        role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: PORTAL_USER_ACTIONS.map((a) => `cognito-idp:${a}`), resources: [portalPool.userPoolArn] }));
      }
      if (needs.staffDirectory) {
        role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: STAFF_DIRECTORY_ACTIONS.map((a) => `cognito-idp:${a}`), resources: [staffPool.userPoolArn] }));
      }
      if (needs.mail) {
        role.addToPrincipalPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ['ses:SendEmail', 'ses:SendRawEmail'],
            resources: [
              this.formatArn({ service: 'ses', resource: 'identity', resourceName: mailIdentity.emailIdentityName }),
              this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName }),
            ],
          }),
        );
      }
      roles.set(key, role);
      return role;
    };
    /** A function in `scope`: this stack (API functions, Cognito triggers) or the background stack. */
    const makeFunction = (scope: Construct, id: string, entry: string, needs: Needs, worker?: string): AwsFunction => {
      const environment: Record<string, string> = needs.poolIds ? { ...baseEnv } : { [ENV.PORTAL_URL]: config.portalUrl };
      // Every function that reads a company shows its currency, defaulted from this setting: all get it, so none disagree.
      environment[ENV.DEFAULT_CURRENCY] = config.defaultCurrency;
      if (needs.table !== 'none') environment[ENV.TABLE_NAME] = table.tableName;
      if (needs.signing) environment[ENV.SIGNING_SECRET_ARN] = signingKey.secretArn;
      if (needs.mail) Object.assign(environment, { [ENV.MAIL_FROM]: mailFrom, [ENV.SES_CONFIGURATION_SET]: configurationSet.configurationSetName });
      if (needs.quickbooks) Object.assign(environment, quickBooksEnv());
      if (needs.m365) Object.assign(environment, m365Env());
      if (needs.outboxKey) environment[ENV.OUTBOX_SECRET_ARN] = outboxKey.secretArn;
      if (needs.webhookKey) environment[ENV.WEBHOOK_SECRET_ARN] = webhookKey.secretArn;
      for (const q of needs.queues) environment[queueUrlEnv(q)] = queueByName.get(q)!.queueUrl;
      const { fn } = new AppFunction(scope, id, {
        entry,
        timeoutSeconds: needs.timeoutSeconds,
        memoryMb: needs.memoryMb,
        environment,
        logGroup: logGroupFor(entry),
        role: roleFor(scope, needs, worker),
        copyFiles: entry === 'functions/openapi/get-docs.ts' ? DOCS_ASSETS.map((a) => `node_modules/swagger-ui-dist/${a}`) : undefined,
      });
      return fn;
    };

    // ── HTTP API ─────────────────────────────────────────────────────────────────────────
    const fallbackFn = makeFunction(this, constructId(fallbackRoute.handler), fallbackRoute.handler, {
      table: 'none',
      portalUsers: false,
      staffDirectory: false,
      poolIds: false,
      queues: new Set(),
      signing: false,
      mail: false,
      quickbooks: false,
      m365: false,
      outboxKey: false,
      webhookKey: false,
      ...routeFunctionDefaults,
    });
    const api = new HttpApi(this, 'Api', {
      description: 'Clientele HTTP API',
      defaultIntegration: new HttpLambdaIntegration('Fallback', fallbackFn, { scopePermissionToRoute: false }),
      corsPreflight: config.allowedOrigins.length
        ? {
            allowOrigins: config.allowedOrigins,
            allowHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'],
            allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
            exposeHeaders: ['etag', 'location', 'idempotent-replayed'],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
    const issuer = (pool: UserPool) => `https://cognito-idp.${this.region}.amazonaws.com/${pool.userPoolId}`;
    const authorizers: Record<'staff' | 'portal', IHttpRouteAuthorizer> = {
      staff: new HttpJwtAuthorizer('StaffJwt', issuer(staffPool), { jwtAudience: [staffClient.userPoolClientId], authorizerName: 'staff-pool' }),
      portal: new HttpJwtAuthorizer('PortalJwt', issuer(portalPool), { jwtAudience: [portalClient.userPoolClientId], authorizerName: 'portal-pool' }),
    };

    // One function per area (and per route that stays apart), one integration and one invoke
    // permission each (for the whole API: the function serves only its own route keys, and
    // answers any other as unknown): a new route in an area costs its HttpRoute alone.
    const apiRoutes: HttpRoute[] = [];
    for (const f of apiFunctions()) {
      const fn = makeFunction(this, constructId(f.entry), f.entry, apiFunctionNeeds(f));
      const integration = new HttpLambdaIntegration(`${constructId(f.entry)}Integration`, fn, { scopePermissionToRoute: false });
      for (const r of f.routes) {
        const route = new HttpRoute(this, `Route ${r.method} ${r.path}`, {
          httpApi: api,
          routeKey: HttpRouteKey.with(r.path, HttpMethod[r.method]),
          integration,
          // A route that also takes integration keys verifies the bearer in its function (shared/http/request.ts).
          authorizer: r.pool === 'public' || r.integrationKeys ? undefined : authorizers[r.pool],
        });
        apiRoutes.push(route);
        if (r.integrationKeys) {
          Validations.of(route).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `Also callable with an integration key (${r.integrationKeys}): the function verifies a staff token as the JWT authorizer does, or the key, and refuses anything else with 401.`,
          });
        }
        if (r.pool === 'public') {
          Validations.of(route).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `Public by design (API.md): ${r.summary}; the handler guards it with its own signed or single-use token where it changes anything.`,
          });
        }
      }
    }

    // Access logs and throttling on the default stage.
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const stage = api.defaultStage!.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
      }),
    };
    // Throttling from the route table (shared/routes.ts `throttleOf`), the limits the local gateway applies too:
    // `$default` (unknown paths) as a public route, each route its own pool's or declared limit.
    const throttling = (t: Throttle) => ({ throttlingBurstLimit: t.burstLimit, throttlingRateLimit: t.rateLimit });
    stage.defaultRouteSettings = throttling(fallbackThrottle);
    // `routeSettings` is a raw JSON map (CDK does not rename its keys), so it takes CloudFormation's names.
    stage.routeSettings = Object.fromEntries(
      (routes as readonly RouteDef[]).map((r) => [routeKeyOf(r), { ThrottlingBurstLimit: throttleOf(r).burstLimit, ThrottlingRateLimit: throttleOf(r).rateLimit }]),
    );
    // A stage's route settings name routes that must exist first.
    for (const route of apiRoutes) stage.node.addDependency(route);

    // ── Background functions: a nested stack ─────────────────────────────────────────────
    // Every function that is neither an API function nor a Cognito trigger (the queue workers, the
    // dead-letter consumer, the scheduled functions with their rules, the stream consumers), with
    // their roles, policies, mappings and invoke permissions, is in `Background`: the root stack
    // keeps what must not be created anew (the table, the queues, the routes) and the API, within
    // CloudFormation's 500 resources per stack. What these functions use of the root stack (table,
    // queues, secrets, pool ids, log groups) CDK passes as the nested stack's parameters.
    const background = new NestedStack(this, 'Background', { description: 'Clientele background functions: queue workers, schedules and stream consumers' });
    for (const q of queues) {
      if (!('worker' in q)) continue;
      const worker: WorkerDef = q.worker;
      const fn = makeFunction(background, `${constructId(worker.handler)}Worker`, worker.handler, workerNeeds(worker), q.name);
      fn.addEventSource(new SqsEventSource(queueByName.get(q.name)!, { batchSize: worker.batchSize, reportBatchItemFailures: true, maxBatchingWindow: Duration.seconds(1) }));
    }
    // Job leases: what reaches a job queue's dead-letter queue fails its job; the sweeper queues overdue jobs again.
    const jobFunctionNeeds = (d: { table: TableAccess; queues?: readonly QueueName[]; timeoutSeconds: number; memoryMb: number }): Needs => ({
      table: d.table,
      portalUsers: false,
      staffDirectory: false,
      poolIds: false,
      // What they queue goes through the outbox (an item they write): only the relay sends.
      queues: new Set(),
      signing: false,
      mail: false,
      outboxKey: false,
      webhookKey: false,
      quickbooks: false,
      m365: false,
      timeoutSeconds: d.timeoutSeconds,
      memoryMb: d.memoryMb,
    });
    const deadLetterFn = makeFunction(background, `${constructId(deadLetterConsumer.handler)}Worker`, deadLetterConsumer.handler, jobFunctionNeeds({ ...deadLetterConsumer, queues: [] }), 'dead letters');
    for (const q of deadLetterConsumer.queues) {
      deadLetterFn.addEventSource(new SqsEventSource(dlqByName.get(q)!, { batchSize: deadLetterConsumer.batchSize, reportBatchItemFailures: true }));
    }
    for (const s of functionSchedules) {
      const fn = makeFunction(background, `${constructId(s.handler)}Schedule`, s.handler, jobFunctionNeeds(s));
      new Rule(background, `Schedule${constructId(s.name)}`, { description: s.purpose, schedule: Schedule.expression(s.expression), targets: [new LambdaFunction(fn, { retryAttempts: 0 })] });
    }
    // Portal login triggers (in this stack, with the pool): no pool ids in their environment (the pool depends on them).
    for (const t of cognitoTriggers) {
      const fn = makeFunction(this, `${constructId(t.handler)}Trigger`, t.handler, { table: t.table, portalUsers: false, staffDirectory: false, poolIds: false, queues: new Set(), signing: false, mail: false, quickbooks: false, m365: false, outboxKey: false, webhookKey: false, ...routeFunctionDefaults });
      portalPool.addTrigger(t.trigger === 'PreAuthentication' ? UserPoolOperation.PRE_AUTHENTICATION : UserPoolOperation.PRE_TOKEN_GENERATION, fn);
    }
    // Stream consumers (the outbox relay, the webhook capture): filtered on the table's stream, retried and bisected,
    // and a batch that still fails is described on an on-failure queue for a person to replay.
    for (const c of streamConsumers) {
      const id = `${constructId(c.handler)}Stream`;
      const fn = makeFunction(
        background,
        id,
        c.handler,
        {
          table: c.table,
          portalUsers: false,
          staffDirectory: false,
          poolIds: false,
          queues: new Set(c.queues),
          signing: false,
          mail: false,
          quickbooks: false,
          m365: false,
          // It unseals what it sends.
          outboxKey: c.queues.some(isSealed),
          webhookKey: false,
          timeoutSeconds: c.timeoutSeconds,
          memoryMb: c.memoryMb,
        },
        `${c.name} stream`,
      );
      // The on-failure queue and its alarm stay here with the other queues: a queue moved is a queue
      // created anew, and what waited in the old one for a person would be deleted with it.
      const failures = new Queue(this, `${constructId(c.name)}Failures`, { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
      Validations.of(failures).acknowledge({ id: 'AwsSolutions-SQS3', reason: "This queue is itself a dead-letter queue (the stream mapping's on-failure destination)." });
      alarmOnDeadLetters(`${constructId(c.name)}FailuresAlarm`, failures, `Stream records of ${c.name} failed on every retry (${c.purpose}): their work was not queued; replay them from this queue.`);
      // So does the mapping, at the construct path (so the logical id) it had beside its function: a
      // mapping created anew would read the stream again from its trim horizon (24 hours of records),
      // while this one only changes its function, in place, and goes on from where it is.
      table.grantStreamRead(fn);
      new EventSourceMapping(new Construct(new Construct(this, id), 'Function'), `DynamoDBEventSource:${Names.nodeUniqueId(table.node)}`, {
        target: fn,
        eventSourceArn: table.tableStreamArn!,
        supportS3OnFailureDestination: true,
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: c.batchSize,
        retryAttempts: c.retryAttempts,
        bisectBatchOnError: c.bisectBatchOnError,
        maxRecordAge: Duration.seconds(c.maxRecordAgeSeconds),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(failures),
        filters: [FilterCriteria.filter(c.filter)],
      });
    }
    // Scheduled messages onto the queues stay here, beside their queues (cron, so their times are fixed).
    for (const s of schedules) {
      new Rule(this, `Schedule${constructId(s.name)}`, {
        description: s.purpose,
        schedule: Schedule.expression(s.expression),
        targets: [new SqsQueue(queueByName.get(s.queue)!, { message: RuleTargetInput.fromObject(s.message) })],
      });
    }

    // ── Outputs: what a frontend or an operator needs ──────────────────────────────────────
    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'StaffUserPoolId', { value: staffPool.userPoolId });
    new CfnOutput(this, 'StaffClientId', { value: staffClient.userPoolClientId });
    new CfnOutput(this, 'PortalUserPoolId', { value: portalPool.userPoolId });
    new CfnOutput(this, 'PortalClientId', { value: portalClient.userPoolClientId });
    new CfnOutput(this, 'PortalHostedUi', { value: `https://${config.portalDomainPrefix}.auth.${this.region}.amazoncognito.com` });

    // ── Stack-wide cdk-nag decisions, each with its reason ─────────────────────────────────
    const acknowledge = (id: string, reason: string) => Validations.of(this).acknowledge({ id, reason });
    acknowledge('AwsSolutions-L1', 'The design card fixes the Lambda runtime at Node.js 22 (the newest the team supports); moving up is a deliberate change.');
    acknowledge(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The AWS-managed basic execution role only lets a function write its own CloudWatch logs.',
    );
    acknowledge('AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing: PutTraceSegments and PutTelemetryRecords accept no resource but `*`.');
    const tableIndexes = "The table's own GSIs (gsi1, gsi2, gsi3) from CDK's table grant; listings query them.";
    acknowledge(`AwsSolutions-IAM5[Resource::<${this.getLogicalId(table.node.defaultChild as CfnResource)}.Arn>/index/*]`, tableIndexes);
    // In the background stack the table's ARN is the parameter CDK names after the table (`referenceto<id>Arn`).
    acknowledge(`AwsSolutions-IAM5[Resource::<referenceto${Names.nodeUniqueId((table.node.defaultChild as CfnResource).node)}Arn>/index/*]`, tableIndexes);
    Validations.of(portalPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason: "Portal users are the MSP's clients' contacts: MFA is offered (TOTP, optional) rather than forced; staff MFA is required.",
    });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The $default route only answers 404/405 problem documents for paths the route table does not have; it reads nothing.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The signing key is rotated deliberately (rotation invalidates outstanding cursors and set-up links; see README "Rotating the signing key"); the QuickBooks and Microsoft 365 client secrets are issued by Intuit and Microsoft and changed there; the token-encryption key cannot rotate without re-encrypting stored tokens; the outbox key seals messages for the seconds until the relay sends them, and rotating it would strand those in flight (a deliberate change, like the signing key).',
    });
  }
}
