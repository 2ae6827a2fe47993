/** Contract bodies (shared/billing/contract.schema.ts): API.md field names, money as strings, the rules between fields. */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { assertContractTerms, contractSchema, createContractBody, updateContractBody } from '../../shared/billing/contract.schema';
import { ValidationError } from '../../shared/http/errors';

const body = (more: Record<string, unknown> = {}) => ({
  name: 'Acme managed services',
  type: 'managed_services',
  startDate: '2027-01-31',
  lineItems: [{ description: 'Managed services', kind: 'fixed', unitPrice: '1500' }],
  ...more,
});

/** The failing paths (as the request parser writes them: dotted, from the body's root) and messages. */
const problems = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  expect(r.success).toBe(false);
  return r.error!.issues.map((i) => [i.path.join('.'), i.code === 'unrecognized_keys' ? `Unknown: ${i.keys.join(',')}` : i.message]);
};

describe('create contract body', () => {
  it('takes a minimal body, applies the defaults and writes amounts with two places', () => {
    expect(createContractBody.parse(body())).toEqual({
      name: 'Acme managed services',
      type: 'managed_services',
      startDate: '2027-01-31',
      endDate: null,
      autoRenew: false,
      renewalTermMonths: 12,
      noticeDays: 30,
      billingFrequency: 'monthly',
      billingDay: null,
      lineItems: [{ description: 'Managed services', kind: 'fixed', quantity: null, unitPrice: '1500.00', cap: null }],
      includedHours: null,
      hourlyRate: null,
      overageRate: null,
    });
  });

  it('takes a block-hours contract with every field', () => {
    const parsed = createContractBody.parse(
      body({
        type: 'block_hours',
        startDate: '2028-02-29',
        endDate: '2029-02-27',
        autoRenew: true,
        renewalTermMonths: 12,
        noticeDays: 60,
        billingFrequency: 'quarterly',
        billingDay: 28,
        currency: 'EUR',
        lineItems: [
          { id: '01J0000000000000000000000A', description: 'Block of 10 hours', kind: 'fixed', quantity: 1, unitPrice: '1200.00', cap: null },
          { description: 'Additional hours', kind: 'hourly', quantity: null, unitPrice: '150.5', cap: '750' },
        ],
        includedHours: 10.25,
        hourlyRate: '150.00',
        overageRate: '165.00',
      }),
    );
    expect(parsed.lineItems[1]).toEqual({ description: 'Additional hours', kind: 'hourly', quantity: null, unitPrice: '150.50', cap: '750.00' });
    expect(parsed).toMatchObject({ currency: 'EUR', includedHours: 10.25, billingDay: 28 });
  });

  it.each([
    [{ lineItems: [{ description: 'Fee', kind: 'fixed', unitPrice: 1500 }] }, 'lineItems.0.unitPrice'],
    [{ lineItems: [{ description: 'Fee', kind: 'fixed', unitPrice: '1500.005' }] }, 'lineItems.0.unitPrice'],
    [{ lineItems: [{ description: 'Fee', kind: 'fixed', unitPrice: '-5.00' }] }, 'lineItems.0.unitPrice'],
    [{ lineItems: [{ description: 'Fee', kind: 'fixed', unitPrice: '1000000000000.00' }] }, 'lineItems.0.unitPrice'],
    [{ lineItems: [{ description: 'Fee', kind: 'fixed', unitPrice: '1.00', quantity: 0.1 + 0.2 }] }, 'lineItems.0.quantity'],
    [{ lineItems: [{ description: 'Fee', kind: 'fixed', unitPrice: '1.00', quantity: -1 }] }, 'lineItems.0.quantity'],
    [{ lineItems: [{ description: 'Fee', kind: 'fixed', unitPrice: '1.00', cap: 'lots' }] }, 'lineItems.0.cap'],
    [{ lineItems: [{ description: 'Fee', kind: 'monthly', unitPrice: '1.00' }] }, 'lineItems.0.kind'],
    [{ lineItems: [{ description: '', kind: 'fixed', unitPrice: '1.00' }] }, 'lineItems.0.description'],
    [{ billingDay: 29 }, 'billingDay'],
    [{ billingDay: 0 }, 'billingDay'],
    [{ billingDay: 1.5 }, 'billingDay'],
    [{ billingFrequency: 'weekly' }, 'billingFrequency'],
    [{ currency: 'JPY' }, 'currency'],
    [{ currency: 'usd' }, 'currency'],
    [{ startDate: '2027-02-29' }, 'startDate'],
    [{ startDate: '31/01/2027' }, 'startDate'],
    [{ hourlyRate: 150 }, 'hourlyRate'],
    [{ includedHours: 10.001 }, 'includedHours'],
    [{ includedHours: 10_001 }, 'includedHours'],
    [{ renewalTermMonths: 0 }, 'renewalTermMonths'],
    [{ noticeDays: -1 }, 'noticeDays'],
    [{ type: 'pay_as_you_go' }, 'type'],
  ])('refuses %j at %s', (more, path) => {
    expect(problems(createContractBody, body(more)).map((p) => p[0])).toContain(path);
  });

  it('refuses unknown fields, at the top and in a line', () => {
    expect(problems(createContractBody, body({ status: 'active' }))).toEqual([['', 'Unknown: status']]);
    expect(problems(createContractBody, body({ lineItems: [{ description: 'Fee', kind: 'fixed', unitPrice: '1.00', amount: '1.00' }] }))).toEqual([['lineItems.0', 'Unknown: amount']]);
  });

  it('checks the rules between fields, each at its own path', () => {
    expect(problems(createContractBody, body({ endDate: '2027-01-30' }))).toEqual([['endDate', 'Must not be before startDate']]);
    expect(
      problems(
        createContractBody,
        body({
          type: 'break_fix',
          lineItems: [
            { description: 'Remote', kind: 'hourly', unitPrice: '100.00' },
            { description: 'Onsite', kind: 'hourly', quantity: 2, unitPrice: '150.00' },
          ],
          overageRate: '200.00',
        }),
      ),
    ).toEqual([
      ['lineItems.1.kind', 'A contract has at most one hourly line'],
      ['lineItems.1.quantity', 'An hourly line takes its quantity from the time logged; send null'],
      ['overageRate', 'An overage rate needs includedHours'],
    ]);
    expect(problems(createContractBody, body({ type: 'block_hours', lineItems: [] }))).toEqual([['includedHours', 'A block_hours contract needs includedHours']]);
    expect(problems(createContractBody, body({ type: 'per_device' }))).toEqual([['lineItems', 'A per_device contract needs a per_device line item']]);
    expect(problems(createContractBody, body({ type: 'per_user' }))).toEqual([['lineItems', 'A per_user contract needs a per_user line item']]);
    expect(problems(createContractBody, body({ type: 'retainer', lineItems: [] }))).toEqual([['lineItems', 'A retainer contract needs a fixed line item']]);
    const twice = { description: 'Fee', kind: 'fixed', unitPrice: '1.00', id: '01J0000000000000000000000A' };
    expect(problems(createContractBody, body({ lineItems: [twice, twice] }))).toEqual([['lineItems.1.id', 'Line item ids must be unique']]);
    // A break-fix contract needs nothing more: its rate may be the company's.
    expect(createContractBody.safeParse(body({ type: 'break_fix', lineItems: [] })).success).toBe(true);
  });
});

describe('update contract body', () => {
  it('takes any one field, adds no defaults, refuses an empty body', () => {
    expect(updateContractBody.parse({ billingDay: 15 })).toEqual({ billingDay: 15 });
    expect(updateContractBody.parse({ endDate: null, hourlyRate: '99.9' })).toEqual({ endDate: null, hourlyRate: '99.90' });
    expect(problems(updateContractBody, {})).toEqual([['', 'Send at least one field to change']]);
    expect(problems(updateContractBody, { nextBillingDate: '2027-01-01' })).toContainEqual(['', 'Unknown: nextBillingDate']);
  });

  it('the service checks the merged terms with the same rules: 400 VALIDATION_FAILED at body paths', () => {
    const stored = createContractBody.parse(body({ type: 'block_hours', includedHours: 10, overageRate: '150.00' }));
    expect(() => assertContractTerms({ ...stored, ...updateContractBody.parse({ includedHours: 12 }) })).not.toThrow();
    try {
      assertContractTerms({ ...stored, ...updateContractBody.parse({ includedHours: null }) });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).toJSON()).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        errors: [
          { in: 'body', path: '/overageRate', message: 'An overage rate needs includedHours' },
          { in: 'body', path: '/includedHours', message: 'A block_hours contract needs includedHours' },
        ],
      });
    }
  });
});

describe('schemas for the OpenAPI document', () => {
  it('convert to JSON Schema, amounts as strings with their pattern', () => {
    // Schemas with an id come out as a $ref into $defs, the way the OpenAPI generator registers them.
    const defOf = (schema: z.ZodType, name: string, io: 'input' | 'output' = 'input') => (z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as any).$defs[name];
    const create = defOf(createContractBody, 'CreateContract');
    expect(defOf(createContractBody, 'ContractLineItemInput').properties.unitPrice).toMatchObject({ type: 'string', pattern: expect.any(String) });
    expect(create.required).toEqual(['name', 'type', 'startDate']);
    expect(defOf(updateContractBody, 'UpdateContract').required).toBeUndefined();
    const resource = defOf(contractSchema, 'Contract', 'output');
    expect(Object.keys(resource.properties)).toEqual([
      'id', 'companyId', 'name', 'type', 'status', 'startDate', 'endDate', 'autoRenew', 'renewalTermMonths', 'noticeDays', 'billingFrequency', 'billingDay', 'currency',
      'lineItems', 'includedHours', 'hourlyRate', 'overageRate', 'nextBillingDate', 'version', 'createdAt', 'updatedAt',
    ]);
    expect(Object.keys(defOf(contractSchema, 'ContractLineItem', 'output').properties)).toEqual(['id', 'description', 'kind', 'quantity', 'unitPrice', 'cap']);
  });
});
