/**
 * The CDK stack, synthesized from the route and queue tables (the test run's one synthesis,
 * test/support/synth-setup.ts). Most tests read the root stack's and the background stack's
 * templates as one (`template`, test/support/synth.ts): a function, its role and its mappings are
 * checked the same wherever they are; `stacks` has each template apart, for what is per stack.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json';
import { constructId } from '../../infra/stack';
import { deadLetterConsumer, functionSchedules, queues, schedules, visibilityTimeoutSeconds, type WorkerDef } from '../../shared/queues';
import { apiFunctionOf, apiFunctions, AREAS, fallbackThrottle, functionEntryOf, handlerEntries, poolThrottle, routeFunctionDefaults, routeKeyOf, routes, throttleOf, type RouteDef } from '../../shared/routes';
import { streamConsumers } from '../../shared/streams';
import { cognitoTriggers } from '../../shared/triggers';
import { cognitoAttributeNames, PORTAL_CLIENT_ATTRIBUTES, portalSchemaAttributes } from '../../shared/portal/portal-pool';
import { synthesized, type StackTemplate } from '../support/synth';

let template: Template;
let stacks: StackTemplate[];
let nagViolations: string[];

beforeAll(async () => {
  ({ template, stacks, violations: nagViolations } = await synthesized());
});

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const resources = (type: string): Resources => template.findResources(type) as Resources;
const idOf = (r: Resources, pred: (p: Record<string, any>) => boolean) => Object.entries(r).find(([, v]) => pred(v.Properties))?.[0];
/** The logical id of the Lambda function made for an entry (`CompaniesApi…`, `QuickbooksCallback…`). */
const functionIdOf = (entry: string) => {
  const ids = Object.keys(resources('AWS::Lambda::Function')).filter((id) => id.startsWith(`${constructId(entry)}Function`));
  expect(ids, entry).toHaveLength(1);
  return ids[0]!;
};
/** Everything a function's role may do (functions with identical grants share one role), as JSON. */
const grantsOf = (fnId: string) => {
  const role = (resources('AWS::Lambda::Function')[fnId]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
  return JSON.stringify(Object.values(resources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`)).map((p) => p.Properties));
};
const allRoutes = routes as readonly RouteDef[];

describe('HTTP API', () => {
  it('has one route per route-table entry, and the $default fallback', () => {
    const keys = Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual([...routes.map(routeKeyOf), '$default'].sort());
  });

  it('puts each route behind its pool’s JWT authorizer (public routes behind none)', () => {
    const authorizers = resources('AWS::ApiGatewayV2::Authorizer');
    const staff = idOf(authorizers, (p) => p.Name === 'staff-pool')!;
    const portal = idOf(authorizers, (p) => p.Name === 'portal-pool')!;
    expect(authorizers[staff]!.Properties).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    expect(JSON.stringify(authorizers[staff]!.Properties.JwtConfiguration.Issuer)).toContain('StaffPool');
    // CDK creates an authorizer once a route uses it: the portal's arrives with the first portal route.
    if ((routes as readonly RouteDef[]).some((r) => r.pool === 'portal')) expect(JSON.stringify(authorizers[portal!]!.Properties.JwtConfiguration.Issuer)).toContain('PortalPool');
    const byKey = new Map(Object.values(resources('AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey as string, r.Properties]));
    for (const r of routes) {
      const route = byKey.get(routeKeyOf(r))!;
      // A route that also takes integration keys verifies the bearer in its function (test/e2e/integration-keys.e2e.test.ts).
      if (r.pool === 'public' || (r as RouteDef).integrationKeys) expect(route.AuthorizationType ?? 'NONE', routeKeyOf(r)).toBe('NONE');
      else {
        expect(route.AuthorizationType, routeKeyOf(r)).toBe('JWT');
        expect(route.AuthorizerId).toEqual({ Ref: r.pool === 'staff' ? staff : portal });
      }
    }
  });

  it('has one function per area, per route module that stays apart, and per worker: Node.js 22 on arm64, explicit timeout and memory, traced', () => {
    const fns = Object.values(resources('AWS::Lambda::Function'));
    const workers = queues.filter((q) => 'worker' in q).length;
    expect(fns).toHaveLength(handlerEntries().length + workers + cognitoTriggers.length + functionSchedules.length + 1 + streamConsumers.length); // + the dead-letter consumer
    for (const f of fns) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: expect.any(Number), MemorySize: expect.any(Number), TracingConfig: { Mode: 'Active' } });
      expect(f.Properties.LoggingConfig.LogGroup).toBeDefined();
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('serves each route from its area’s function, or from a function of its own', () => {
    const integrations = resources('AWS::ApiGatewayV2::Integration');
    for (const r of allRoutes) {
      const [, route] = Object.entries(resources('AWS::ApiGatewayV2::Route')).find(([, x]) => x.Properties.RouteKey === routeKeyOf(r))!;
      const integrationId = JSON.stringify(route.Properties.Target).match(/"Ref":"([^"]+)"/)![1]!;
      expect(integrations[integrationId]!.Properties.IntegrationUri, routeKeyOf(r)).toEqual({ 'Fn::GetAtt': [functionIdOf(functionEntryOf(r)), 'Arn'] });
    }
    // Every area has routes, and its function is its dispatcher.
    for (const area of AREAS) expect(allRoutes.filter((r) => r.area === area).length, area).toBeGreaterThan(1);
    expect(apiFunctions().filter((f) => f.area).map((f) => f.entry).sort()).toEqual(AREAS.map((a) => `functions/${a}/api.ts`).sort());
  });

  it('keeps apart, each with its own memory, timeout and grants, the routes that are public, talk to a vendor or set their own limits', () => {
    for (const r of allRoutes) {
      const apart = r.pool === 'public' || r.quickbooks || r.m365 || r.timeoutSeconds !== undefined || r.memoryMb !== undefined;
      expect(r.area === undefined, routeKeyOf(r)).toBe(!!apart);
      // A function of its own serves its module's routes only (the docs module serves two).
      if (!r.area) expect(apiFunctionOf(r).routes.every((x) => x.handler === r.handler), routeKeyOf(r)).toBe(true);
    }
    const fns = resources('AWS::Lambda::Function');
    for (const f of apiFunctions()) {
      const props = fns[functionIdOf(f.entry)]!.Properties;
      const asked = f.routes.find((r) => r.timeoutSeconds || r.memoryMb);
      expect({ Timeout: props.Timeout, MemorySize: props.MemorySize }, f.entry).toEqual(
        f.area || !asked ? { Timeout: routeFunctionDefaults.timeoutSeconds, MemorySize: routeFunctionDefaults.memoryMb } : { Timeout: f.timeoutSeconds, MemorySize: f.memoryMb },
      );
    }
    // The CSV upload has its own: a gigabyte and 29 seconds.
    const upload = allRoutes.find((r) => routeKeyOf(r) === 'POST /v1/imports')!;
    expect(fns[functionIdOf(functionEntryOf(upload))]!.Properties).toMatchObject({ Timeout: 29, MemorySize: 1024 });
  });

  it('grants each function the union of what its routes declare, and nothing more', () => {
    for (const f of apiFunctions()) {
      const grants = grantsOf(functionIdOf(f.entry));
      const tables = new Set(f.routes.map((r) => r.table));
      // Write routes write; a function of read routes only reads; no-table routes have no table access at all.
      if (tables.has('write')) expect(grants, f.entry).toContain('dynamodb:PutItem');
      else if (tables.has('read')) {
        expect(grants, f.entry).toContain('dynamodb:GetItem');
        expect(grants, f.entry).not.toContain('dynamodb:PutItem');
      } else expect(grants, f.entry).not.toContain('dynamodb:');
      // Only functions with a route that signs cursors may read the signing key.
      expect(grants.includes('SigningKey'), f.entry).toBe(f.routes.some((r) => r.signing));
      // Only functions with a route that manages portal users may, and only on the portal pool.
      const portalUsers = f.routes.some((r) => r.portalUsers);
      expect(grants.includes('cognito-idp:AdminCreateUser'), f.entry).toBe(portalUsers);
      if (portalUsers) {
        expect(grants, f.entry).toContain('PortalPool');
        expect(grants, f.entry).not.toContain('StaffPool');
      }
      // Only functions with a route that reads the staff directory may list staff users.
      expect(grants.includes('cognito-idp:ListUsers'), f.entry).toBe(f.routes.some((r) => r.staffDirectory));
      // Only vendor routes get vendor secrets.
      expect(grants.includes('M365ClientSecret'), f.entry).toBe(f.routes.some((r) => r.m365));
      expect(grants.includes('QuickBooksClientSecret'), f.entry).toBe(f.routes.some((r) => r.quickbooks));
      // Only the mail worker sends mail.
      expect(grants, f.entry).not.toContain('ses:');
    }
    // The union is least privilege per function: the portal's signed-in routes manage no users; the read-only imports area writes nothing.
    expect(grantsOf(functionIdOf('functions/portal/api.ts'))).not.toContain('cognito-idp');
    expect(grantsOf(functionIdOf('functions/imports/api.ts'))).not.toContain('dynamodb:PutItem');
    expect(grantsOf(functionIdOf('functions/openapi/get-openapi.ts'))).not.toContain('dynamodb:');
    expect(grantsOf(functionIdOf('functions/contacts/api.ts'))).toContain('cognito-idp:AdminCreateUser');
    expect(grantsOf(Object.keys(resources('AWS::Lambda::Function')).find((id) => id.startsWith('MailSendMailWorker'))!)).toContain('ses:SendEmail');
  });

  it('lets only the function serving the staff directory read staff-pool users: ListUsers and ListUsersInGroup, on the staff pool, nothing else', () => {
    const entries = new Set((routes as readonly RouteDef[]).filter((r) => r.staffDirectory).map(functionEntryOf));
    // GET /v1/staff and the company writes that check an account manager: one function, one grant, one cache.
    expect([...entries]).toEqual(['functions/companies/api.ts']);
    const policies = Object.values(resources('AWS::IAM::Policy'));
    const statements = policies.flatMap((p) => (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).map((st) => ({ roles: p.Properties.Roles, st })));
    const onStaffPool = statements.filter(({ st }) => JSON.stringify(st.Resource).includes('StaffPool'));
    expect(onStaffPool).toHaveLength(1);
    const [{ roles, st }] = onStaffPool as [(typeof onStaffPool)[number]];
    expect([st.Action].flat().sort()).toEqual(['cognito-idp:ListUsers', 'cognito-idp:ListUsersInGroup']);
    expect(JSON.stringify(st.Resource)).not.toContain('PortalPool');
    // The role holding it serves the companies function and no other function (worker, trigger, route of its own).
    const roleIds = (roles as { Ref: string }[]).map((r) => r.Ref);
    const holders = Object.entries(resources('AWS::Lambda::Function'))
      .filter(([, fn]) => roleIds.includes((fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!))
      .map(([id]) => id);
    expect(holders).toEqual([functionIdOf('functions/companies/api.ts')]);
    expect(grantsOf(functionIdOf('functions/contacts/api.ts'))).not.toContain('cognito-idp:List');
  });

  it('gives every function the stack’s default currency', () => {
    for (const [id, fn] of Object.entries(resources('AWS::Lambda::Function'))) {
      if (id.startsWith('AWS') || id.startsWith('Custom')) continue; // CDK's own helper functions
      expect(fn.Properties.Environment?.Variables?.DEFAULT_CURRENCY, id).toBe('USD');
    }
  });

  it('lets only QuickBooks functions read the QuickBooks client secret and the token-encryption key', () => {
    const secrets = resources('AWS::SecretsManager::Secret');
    const clientSecret = idOf(secrets, (p) => /QuickBooks Online app client secret/.test(p.Description))!;
    const encryptionKey = idOf(secrets, (p) => /encrypts stored OAuth tokens/.test(p.Description))!;
    expect(clientSecret).toBeDefined();
    expect(encryptionKey).toBeDefined();
    const fns = resources('AWS::Lambda::Function');
    const policies = Object.values(resources('AWS::IAM::Policy'));
    const quickBooksEntries = new Set<string>([
      ...(routes as readonly RouteDef[]).filter((r) => r.quickbooks).map(functionEntryOf),
      ...queues.flatMap((q) => ('worker' in q && (q.worker as { quickbooks?: boolean }).quickbooks ? [q.worker.handler] : [])),
    ]);
    expect(quickBooksEntries.size).toBe(4);
    let readers = 0;
    for (const [id, fn] of Object.entries(fns)) {
      const role = JSON.stringify(fn.Properties.Role);
      const policy = JSON.stringify(policies.filter((p) => role.includes(JSON.stringify(p.Properties.Roles[0]).replace(/^\{"Ref":"|"\}$/g, ''))).map((p) => p.Properties));
      const env = fn.Properties.Environment?.Variables ?? {};
      const isQuickBooks = 'QUICKBOOKS_CLIENT_SECRET_ARN' in env;
      expect(policy.includes(clientSecret), id).toBe(isQuickBooks);
      expect(policy.includes(encryptionKey), id).toBe(isQuickBooks);
      if (isQuickBooks) {
        readers++;
        expect(env).toMatchObject({ QUICKBOOKS_ENVIRONMENT: 'sandbox', ENCRYPTION_SECRET_ARN: { Ref: encryptionKey }, QUICKBOOKS_CLIENT_SECRET_ARN: { Ref: clientSecret } });
        expect(JSON.stringify(env.QUICKBOOKS_REDIRECT_URI)).toContain('/v1/public/quickbooks/callback');
      } else expect(env).not.toHaveProperty('ENCRYPTION_SECRET_ARN');
    }
    expect(readers).toBe(quickBooksEntries.size);
  });

  it('writes access logs and throttles the default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
    });
  });

  it('throttles every route as the route table declares, public routes tighter, after the routes exist', () => {
    const [[stageId, stage]] = Object.entries(template.findResources('AWS::ApiGatewayV2::Stage')) as [string, { Properties: any; DependsOn?: string[] }][];
    const settings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    expect(Object.keys(settings).sort()).toEqual(routes.map(routeKeyOf).sort());
    for (const r of routes as readonly RouteDef[]) {
      const t = throttleOf(r);
      expect(settings[routeKeyOf(r)], routeKeyOf(r)).toEqual({ ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit });
    }
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: fallbackThrottle.rateLimit, ThrottlingBurstLimit: fallbackThrottle.burstLimit });
    expect(poolThrottle.public.rateLimit).toBeLessThan(poolThrottle.portal.rateLimit);
    expect(poolThrottle.public.rateLimit).toBeLessThan(poolThrottle.staff.rateLimit);
    const routeIds = Object.keys(resources('AWS::ApiGatewayV2::Route')).filter((id) => resources('AWS::ApiGatewayV2::Route')[id]!.Properties.RouteKey !== '$default');
    expect(stageId).toBeTruthy();
    expect(stage.DependsOn ?? []).toEqual(expect.arrayContaining(routeIds));
  });
});

describe('limits', () => {
  /** Where each stack must stay: CloudFormation allows 500 resources per stack, and the second half of the product needs room. */
  const RESOURCE_BUDGET = 400;
  const countOf = (s: StackTemplate, type: string) => Object.values(s.json.Resources).filter((r) => r.Type === type).length;

  it(`keeps every stack, the root and each nested one, within ${RESOURCE_BUDGET} of CloudFormation’s 500 resources per stack`, () => {
    expect(stacks.length).toBe(2);
    for (const s of stacks) {
      const count = Object.keys(s.json.Resources).length;
      const what =
        s === stacks[0]
          ? `${routes.length} routes in ${apiFunctions().length + 1} API functions (${countOf(s, 'AWS::Lambda::Function')} functions with the Cognito triggers)`
          : `${countOf(s, 'AWS::Lambda::Function')} background functions`;
      console.info(`${s.file}: ${count} resources for ${what}; headroom ${RESOURCE_BUDGET - count} to the ${RESOURCE_BUDGET} budget, ${500 - count} to CloudFormation's 500`);
      expect(count, s.file).toBeLessThanOrEqual(RESOURCE_BUDGET);
    }
  });

  it('keeps every template within CloudFormation’s 200 parameters and 200 outputs', () => {
    for (const s of stacks) {
      expect(Object.keys(s.json.Parameters ?? {}).length, s.file).toBeLessThanOrEqual(200);
      expect(Object.keys(s.json.Outputs ?? {}).length, s.file).toBeLessThanOrEqual(200);
    }
  });

  it('costs one resource per route: one integration and one invoke permission per function, not per route', () => {
    const fns = apiFunctions().length + 1;
    expect(Object.keys(resources('AWS::ApiGatewayV2::Integration'))).toHaveLength(fns);
    const invokes = Object.values(resources('AWS::Lambda::Permission')).filter((p) => p.Properties.Principal === 'apigateway.amazonaws.com');
    expect(invokes).toHaveLength(fns);
    // Each lets this API (any of its routes: the function answers only its own) invoke one function.
    for (const p of invokes) expect(JSON.stringify(p.Properties.SourceArn)).toMatch(/\{"Ref":"Api[0-9A-F]+"\},"\/\*\/\*\/\*"/);
    expect(new Set(invokes.map((p) => JSON.stringify(p.Properties.FunctionName))).size).toBe(fns);
    // So a route is its HttpRoute alone (throttling is a property of the stage).
    expect(Object.keys(resources('AWS::ApiGatewayV2::Route'))).toHaveLength(routes.length + 1);
  });
});

describe('background stack', () => {
  /** The root stack's template and the background stack's. */
  const both = () => stacks as [StackTemplate, StackTemplate];
  const idsOf = (s: StackTemplate, type: string) =>
    Object.entries(s.json.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  const countOf = (s: StackTemplate, type: string) => idsOf(s, type).length;
  /** The construct ids of the functions that are neither API functions nor Cognito triggers. */
  const backgroundFunctions = () => [
    ...queues.flatMap((q) => ('worker' in q ? [`${constructId(q.worker.handler)}Worker`] : [])),
    `${constructId(deadLetterConsumer.handler)}Worker`,
    ...functionSchedules.map((s) => `${constructId(s.handler)}Schedule`),
    ...streamConsumers.map((c) => `${constructId(c.handler)}Stream`),
  ];
  /**
   * The stream consumers' mappings as deployed before the background stack: the same logical ids,
   * so CloudFormation changes their function in place. A new id would be a new mapping, reading the
   * stream again from its trim horizon (24 hours of outbox items sent again).
   */
  const STREAM_MAPPING_IDS = ['OutboxRelayStreamFunctionDynamoDBEventSourceClienteleTable811B00FC2DD9FE5D', 'WebhooksCaptureChangesStreamFunctionDynamoDBEventSourceClienteleTable811B00FCCA974469'];

  it('holds every function but the API functions and the Cognito triggers, each with its role and policies beside it', () => {
    const [root, background] = both();
    const prefixes = backgroundFunctions().map((id) => `${id}Function`);
    const inBackground = idsOf(background, 'AWS::Lambda::Function');
    expect(inBackground).toHaveLength(prefixes.length);
    for (const p of prefixes) expect(inBackground.filter((id) => id.startsWith(p)), p).toHaveLength(1);
    const inRoot = idsOf(root, 'AWS::Lambda::Function');
    expect(inRoot).toHaveLength(apiFunctions().length + 1 + cognitoTriggers.length); // + the $default fallback
    for (const t of cognitoTriggers) expect(inRoot.filter((id) => id.startsWith(`${constructId(t.handler)}TriggerFunction`)), t.handler).toHaveLength(1);
    for (const s of both()) {
      for (const id of idsOf(s, 'AWS::Lambda::Function')) {
        const role = (s.json.Resources[id]!.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
        expect(s.json.Resources[role]?.Type, id).toBe('AWS::IAM::Role');
      }
      for (const id of idsOf(s, 'AWS::IAM::Policy')) {
        for (const r of s.json.Resources[id]!.Properties!.Roles as { Ref: string }[]) expect(s.json.Resources[r.Ref]?.Type, id).toBe('AWS::IAM::Role');
      }
    }
  });

  it('runs the scheduled functions from rules beside them, and leaves the schedules onto queues with their queues', () => {
    const [root, background] = both();
    const described = (s: StackTemplate) => idsOf(s, 'AWS::Events::Rule').map((id) => s.json.Resources[id]!.Properties!.Description as string);
    expect(described(background).sort()).toEqual(functionSchedules.map((s) => s.purpose).sort());
    expect(described(root).sort()).toEqual(schedules.map((s) => s.purpose).sort());
    const invokes = idsOf(background, 'AWS::Lambda::Permission').map((id) => background.json.Resources[id]!.Properties!);
    expect(invokes.map((p) => p.Principal)).toEqual(functionSchedules.map(() => 'events.amazonaws.com'));
  });

  it('consumes the queues from the background stack, and keeps the stream consumers’ mappings where they were deployed, on the background functions', () => {
    const [root, background] = both();
    expect(countOf(background, 'AWS::Lambda::EventSourceMapping')).toBe(queues.filter((q) => 'worker' in q).length + deadLetterConsumer.queues.length);
    const streamMappings = idsOf(root, 'AWS::Lambda::EventSourceMapping');
    expect(streamMappings.sort()).toEqual([...STREAM_MAPPING_IDS].sort());
    for (const [i, c] of streamConsumers.entries()) {
      const id = streamMappings.find((m) => m.startsWith(`${constructId(c.handler)}StreamFunctionDynamoDBEventSource`))!;
      expect(id, c.name).toBe(STREAM_MAPPING_IDS[i]);
      const fn = root.json.Resources[id]!.Properties!.FunctionName as { 'Fn::GetAtt': [string, string] };
      expect(fn['Fn::GetAtt'][0], c.name).toBe(background.name);
      expect(fn['Fn::GetAtt'][1], c.name).toMatch(new RegExp(`^Outputs\\.ClienteleBackground${constructId(c.handler)}StreamFunction`));
    }
  });

  it('keeps in the root stack what a move would create anew: the table, every queue and alarm, the named log groups, the routes, pools, secrets and keys', () => {
    const [root, background] = both();
    for (const type of ['AWS::DynamoDB::GlobalTable', 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy', 'AWS::CloudWatch::Alarm', 'AWS::Logs::LogGroup', 'AWS::ApiGatewayV2::Route', 'AWS::Cognito::UserPool', 'AWS::SecretsManager::Secret', 'AWS::KMS::Key', 'AWS::SNS::Topic']) {
      expect(countOf(background, type), type).toBe(0);
      expect(countOf(root, type), type).toBeGreaterThan(0);
    }
    // Named after the root stack, as before: a nested stack's name is generated.
    for (const id of idsOf(root, 'AWS::Logs::LogGroup').filter((g) => g.startsWith('Logs'))) expect(root.json.Resources[id]!.Properties!.LogGroupName, id).toMatch(/^\/clientele\/Clientele\/[a-z0-9-]+$/);
  });

  it('takes what it uses of the root stack as parameters and gives back only the stream consumers’ function names: no cycle, no export', () => {
    const [root, background] = both();
    const passed = root.json.Resources[background.name]!.Properties!.Parameters as Record<string, unknown>;
    expect(Object.keys(passed).sort()).toEqual(Object.keys(background.json.Parameters ?? {}).sort());
    for (const [name, value] of Object.entries(passed)) {
      const refs = [...JSON.stringify(value).matchAll(/"Ref":"([^"]+)"|"Fn::GetAtt":\["([^"]+)"/g)].map((m) => (m[1] ?? m[2])!);
      expect(refs.length, name).toBeGreaterThan(0);
      for (const r of refs) expect(r.startsWith('AWS::') || (r !== background.name && r in root.json.Resources), `${name}: ${r}`).toBe(true);
    }
    const readers = Object.values(root.json.Resources).filter((r) => JSON.stringify(r).includes(`"${background.name}"`));
    expect(readers.map((r) => r.Type)).toEqual(streamConsumers.map(() => 'AWS::Lambda::EventSourceMapping'));
    expect(JSON.stringify(background.json)).not.toMatch(/"Outputs\./);
    expect(JSON.stringify(stacks.map((s) => s.json))).not.toContain('Fn::ImportValue');
  });
});

describe('data', () => {
  it('is one on-demand table with point-in-time recovery, deletion protection, TTL and the GSIs', () => {
    const tables = resources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(1);
    const t = Object.values(tables)[0]!.Properties;
    expect(t).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(t.Replicas[0]).toMatchObject({ DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    expect(t.GlobalSecondaryIndexes.map((i: { IndexName: string }) => i.IndexName)).toEqual(['gsi1', 'gsi2', 'gsi3']);
    // Keys only: a write that changes no key attribute (counters, edits, job progress) writes no index.
    for (const i of t.GlobalSecondaryIndexes) expect(i.Projection, i.IndexName).toEqual({ ProjectionType: 'KEYS_ONLY' });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
  });
});

describe('queues', () => {
  it('gives every queue a dead-letter queue (maxReceiveCount ≥ 5) and a visibility timeout ≥ 6× its worker’s', () => {
    const all = resources('AWS::SQS::Queue');
    const mains = Object.values(all).filter((q) => q.Properties.RedrivePolicy);
    expect(mains).toHaveLength(queues.length);
    // Plus each stream consumer's on-failure queue.
    expect(Object.keys(all)).toHaveLength(queues.length * 2 + streamConsumers.length);
    for (const q of queues) {
      const main = mains.find((m) => m.Properties.VisibilityTimeout === visibilityTimeoutSeconds(q));
      expect(main, q.name).toBeDefined();
      if ('worker' in q) expect(visibilityTimeoutSeconds(q)).toBeGreaterThanOrEqual(6 * q.worker.timeoutSeconds);
    }
    for (const m of mains) expect(m.Properties.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
  });

  it('drives each worker and stream consumer with ReportBatchItemFailures', () => {
    const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(queues.filter((q) => 'worker' in q).length + deadLetterConsumer.queues.length + streamConsumers.length);
    for (const m of mappings) expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('puts each schedule on its queue through EventBridge', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 3 * * ? *)', Targets: [Match.objectLike({ Input: JSON.stringify({ type: 'sync-all-linked' }) })] });
  });

  it('consumes the job queues’ dead-letter queues with one function, and alarms on every dead-letter queue', () => {
    const all = resources('AWS::SQS::Queue');
    const dlqIds = Object.entries(all)
      .filter(([, q]) => !q.Properties.RedrivePolicy)
      .map(([id]) => id);
    const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping'));
    const consumed = mappings.filter((m) => dlqIds.some((id) => JSON.stringify(m.Properties.EventSourceArn).includes(id)));
    expect(consumed).toHaveLength(deadLetterConsumer.queues.length);
    // Lambda refuses an SQS event source whose visibility timeout is shorter than the function's timeout.
    for (const id of dlqIds.filter((id) => consumed.some((m) => JSON.stringify(m.Properties.EventSourceArn).includes(id)))) {
      expect(all[id]!.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * deadLetterConsumer.timeoutSeconds);
    }
    // Every queue without a redrive policy is a dead-letter queue (the queues' own, and the outbox relay's on-failure queue): each has its alarm.
    expect(dlqIds.length).toBe(queues.length + streamConsumers.length);
    expect(new Set(consumed.map((m) => JSON.stringify(m.Properties.FunctionName))).size).toBe(1);
    const alarms = Object.values(resources('AWS::CloudWatch::Alarm'));
    for (const id of dlqIds) {
      const alarm = alarms.find((a) => JSON.stringify(a.Properties.Metrics).includes(id));
      expect(alarm, id).toBeDefined();
      expect(alarm!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
      expect(JSON.stringify(alarm!.Properties.Metrics)).toContain('ApproximateNumberOfMessagesVisible');
    }
  });

  it('runs each scheduled function (the job sweeper, the contract renewals, the SLA breach check) on its EventBridge schedule; they queue through the outbox, so they may send to no queue', () => {
    for (const s of functionSchedules) {
      const [ruleId, rule] = Object.entries(resources('AWS::Events::Rule')).find(([, r]) => r.Properties.Description === s.purpose)!;
      expect(ruleId).toBeDefined();
      expect(rule.Properties.ScheduleExpression).toBe(s.expression);
      const target = JSON.stringify(rule.Properties.Targets[0].Arn);
      const [fnId, fn] = Object.entries(resources('AWS::Lambda::Function')).find(([id]) => target.includes(id))!;
      expect(fnId.startsWith(constructId(s.handler)), `${s.name}: ${fnId}`).toBe(true);
      const env = fn.Properties.Environment.Variables;
      expect(Object.keys(env).filter((k) => k.startsWith('QUEUE_URL_'))).toEqual([]);
    }
  });
});

describe('outbox relay', () => {
  const relayId = () => Object.entries(resources('AWS::Lambda::Function')).find(([id]) => id.startsWith('OutboxRelayStream'))![0];
  const policiesOf = (fnId: string) => {
    const role = (resources('AWS::Lambda::Function')[fnId]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    return Object.values(resources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`));
  };
  const statements = (fnId: string) => policiesOf(fnId).flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
  const actions = (s: { Action: string | string[] }) => [s.Action].flat();

  it('gives the table a stream of new images', () => {
    const t = Object.values(resources('AWS::DynamoDB::GlobalTable'))[0]!.Properties;
    expect(t.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('reads the stream through a mapping that lets only outbox inserts through, retries, bisects and keeps what still fails', () => {
    const [relay] = streamConsumers;
    const mapping = Object.values(resources('AWS::Lambda::EventSourceMapping')).find((m) => JSON.stringify(m.Properties.FunctionName).includes(relayId()))!;
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: relay.batchSize,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: relay.retryAttempts,
      MaximumRecordAgeInSeconds: relay.maxRecordAgeSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(JSON.stringify(mapping.Properties.EventSourceArn)).toContain('StreamArn');
    expect(mapping.Properties.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['Outbox'] } } } }]);
    // The on-failure destination is the consumer's own encrypted queue, and the relay may send to it.
    const failures = Object.keys(resources('AWS::SQS::Queue')).find((id) => id.startsWith('OutboxRelayFailures'))!;
    expect(mapping.Properties.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': [failures, 'Arn'] });
    expect(resources('AWS::SQS::Queue')[failures]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('lets only the functions that queue mail, and the relay, read the key that seals it in the outbox', () => {
    const key = idOf(resources('AWS::SecretsManager::Secret'), (p) => /seals outbox messages/.test(p.Description))!;
    expect(key).toBeDefined();
    const mailers = new Set([
      ...(routes as readonly RouteDef[]).filter((r) => r.queues?.includes('mail')).map((r) => constructId(functionEntryOf(r))),
      ...queues.flatMap((q) => ('worker' in q && (q.worker as WorkerDef).queues?.includes('mail') ? [constructId(q.worker.handler)] : [])),
    ]);
    // The contacts area (create, invite, reset a contact) and the portal-requests worker.
    expect(mailers.size).toBeGreaterThanOrEqual(2);
    let readers = 0;
    for (const [id, fn] of Object.entries(resources('AWS::Lambda::Function'))) {
      const reads = JSON.stringify(statements(id)).includes(key);
      const expected = id === relayId() || [...mailers].some((m) => id.startsWith(m));
      expect(reads, id).toBe(expected);
      expect(fn.Properties.Environment?.Variables?.OUTBOX_SECRET_ARN ?? null, id).toEqual(expected ? { Ref: key } : null);
      if (reads) readers++;
    }
    expect(readers).toBe(mailers.size + 1);
  });

  it('lets the relay send to every queue and read the stream, and nothing more; no other function may send to a queue', () => {
    const relay = statements(relayId());
    const send = relay.filter((s) => actions(s).includes('sqs:SendMessage'));
    const mains = Object.entries(resources('AWS::SQS::Queue')).filter(([, q]) => q.Properties.RedrivePolicy).map(([id]) => id);
    const sendTargets = JSON.stringify(send.map((s) => s.Resource));
    for (const id of mains) expect(sendTargets).toContain(id);
    const streamRead = relay.filter((s) => actions(s).includes('dynamodb:GetRecords'));
    expect(JSON.stringify(streamRead.map((s) => s.Resource))).toContain('StreamArn');
    // No table access beyond the stream, no SES, and no secret but the outbox key (the test above).
    const all = relay.flatMap(actions);
    for (const a of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'ses:SendEmail']) expect(all).not.toContain(a);
    const secrets = relay.filter((s) => actions(s).includes('secretsmanager:GetSecretValue'));
    expect(secrets.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringContaining('OutboxKey')]);
    // The routes and workers that queue work only write their outbox item. A stream consumer
    // (the webhook capture) may send only to its own on-failure queue, as its mapping does.
    for (const id of Object.keys(resources('AWS::Lambda::Function'))) {
      if (id === relayId()) continue;
      const sends = statements(id).filter((s) => actions(s).includes('sqs:SendMessage'));
      for (const s of sends) expect(JSON.stringify(s.Resource), id).toMatch(/^\{"Fn::GetAtt":\["WebhookCaptureFailures[0-9A-F]+","Arn"\]\}$/);
      if (!id.startsWith('WebhooksCaptureChanges')) expect(sends, id).toEqual([]);
      expect(Object.keys(resources('AWS::Lambda::Function')[id]!.Properties.Environment?.Variables ?? {}).filter((k) => k.startsWith('QUEUE_URL_')), id).toEqual([]);
    }
  });
});

describe('identity and mail', () => {
  it('has a staff pool of admin-created users with MFA and the five groups', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolName: 'Clientele-staff', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, MfaConfiguration: 'ON' });
    const groups = Object.values(resources('AWS::Cognito::UserPoolGroup')).map((g) => g.Properties.GroupName);
    expect(groups.sort()).toEqual(['Admin', 'ComplianceAdmin', 'MSPAdmin', 'SuperAdmin', 'Technician']);
  });

  it('has a portal pool with a hosted-UI domain and an authorization-code + PKCE client whose callbacks come from config', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolName: 'Clientele-portal', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: cdkJson.context['clientele:portalDomainPrefix'] });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
      CallbackURLs: cdkJson.context['clientele:portalCallbackUrls'],
    });
  });

  it('attaches the portal login triggers to the portal pool only', () => {
    const pools = Object.values(resources('AWS::Cognito::UserPool'));
    const portal = pools.find((p) => p.Properties.UserPoolName === 'Clientele-portal')!;
    const staff = pools.find((p) => p.Properties.UserPoolName === 'Clientele-staff')!;
    expect(Object.keys(portal.Properties.LambdaConfig).sort()).toEqual(['PreAuthentication', 'PreTokenGeneration']);
    expect(staff.Properties.LambdaConfig).toBeUndefined();
    expect(portal.Properties.Schema).toEqual(expect.arrayContaining([expect.objectContaining({ Name: 'contactId', AttributeDataType: 'String' })]));
  });

  it('generates the portal pool and client from the one portal-pool definition: immutable custom:contactId, no writable email or custom attribute', () => {
    const pools = Object.values(resources('AWS::Cognito::UserPool'));
    const portal = pools.find((p) => p.Properties.UserPoolName === 'Clientele-portal')!;
    const schema = portal.Properties.Schema as { Name: string; Mutable?: boolean; Required?: boolean; StringAttributeConstraints?: unknown }[];
    for (const a of portalSchemaAttributes()) {
      expect(schema.find((s) => s.Name === a.Name)).toMatchObject({ Name: a.Name, Mutable: a.Mutable, StringAttributeConstraints: { MinLength: a.StringAttributeConstraints!.MinLength, MaxLength: a.StringAttributeConstraints!.MaxLength } });
    }
    expect(schema.find((s) => s.Name === 'contactId')?.Mutable).toBe(false);
    // A required attribute would have to be writable by the client; staff change emails.
    expect(schema.find((s) => s.Name === 'email')).toMatchObject({ Required: false, Mutable: true });
    const clients = Object.values(resources('AWS::Cognito::UserPoolClient'));
    const portalClient = clients.find((c) => JSON.stringify(c.Properties.UserPoolId).includes('PortalPool'))!;
    expect([...portalClient.Properties.WriteAttributes].sort()).toEqual(cognitoAttributeNames(PORTAL_CLIENT_ATTRIBUTES.write).sort());
    expect([...portalClient.Properties.ReadAttributes].sort()).toEqual(cognitoAttributeNames(PORTAL_CLIENT_ATTRIBUTES.read).sort());
    expect(portalClient.Properties.WriteAttributes).not.toContain('email');
    expect(portalClient.Properties.WriteAttributes.some((a: string) => a.startsWith('custom:'))).toBe(false);
    expect(portalClient.Properties.WriteAttributes.length).toBeGreaterThan(0); // an empty list would mean Cognito's default: every standard attribute
  });

  it('sends mail through an SES identity with a configuration set', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: cdkJson.context['clientele:mailFrom'], ConfigurationSetAttributes: Match.anyValue() });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding', () => {
    expect(nagViolations).toEqual([]);
  });
});
