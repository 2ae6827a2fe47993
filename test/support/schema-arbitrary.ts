/**
 * fast-check arbitraries from a route's zod schemas (through zod's JSON Schema): values that
 * satisfy the schema, and near misses that break it in one place (a wrong type, one character
 * too many, a missing required field, an unknown field, control characters, an unknown enum
 * value), so fuzzing reaches past the first check a request meets.
 */
import fc from 'fast-check';
import * as z from 'zod';

type Schema = Record<string, any>;

export const jsonSchemaOf = (schema: z.ZodType): Schema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Schema;

/** Printable ASCII, the characters a header value may hold. */
export const headerText = (maxLength = 80) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

/** Strings an attacker or a broken client sends: control characters, lone surrogates, long runs, injection shapes. */
export const nastyString = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('', ' ', '\u0000', 'a\r\nBcc: x@example.com', '\ud800', '\udfff\ud800', '=cmd|"/c calc"!A1', "' OR 1=1 --", '<script>alert(1)</script>', '../../etc/passwd', '%00', '{{7*7}}', '${jndi:ldap://x}', '\u202e', 'null', 'undefined', '__proto__', '💥'.repeat(300)),
    fc.string({ minLength: 1, maxLength: 5 }).map((s) => s.repeat(300)),
  );

const resolve = (schema: Schema, root: Schema): Schema => {
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/$defs/')) return resolve(root.$defs[schema.$ref.slice('#/$defs/'.length)], root);
  return schema;
};

const cap = (n: number | undefined, fallback: number) => Math.min(n ?? fallback, fallback);

const validString = (s: Schema): fc.Arbitrary<string> => {
  if (s.format === 'email') return fc.emailAddress().filter((e) => e.length <= (s.maxLength ?? 254));
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'date') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  if (typeof s.pattern === 'string') {
    try {
      // fast-check cannot generate from lookarounds; without them the pattern still describes the shape.
      const re = new RegExp((s.pattern as string).replace(/\(\?<?[=!][^()]*\)/g, ''));
      return fc.stringMatching(re).filter((v) => v.length >= (s.minLength ?? 0) && v.length <= (s.maxLength ?? Infinity));
    } catch {
      // A pattern fast-check still cannot generate from: plain strings, which mostly miss it.
    }
  }
  const minLength = s.minLength ?? 0;
  return fc.string({ minLength, maxLength: Math.max(minLength, cap(s.maxLength, 40)) });
};

/** A value the schema accepts (as far as JSON Schema can say; refinements may still refuse it). */
export const validValue = (schema: Schema, root: Schema = schema): fc.Arbitrary<unknown> => {
  const s = resolve(schema, root);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  if (Array.isArray(s.anyOf ?? s.oneOf)) return fc.oneof(...(s.anyOf ?? s.oneOf).map((x: Schema) => validValue(x, root)));
  const type = Array.isArray(s.type) ? s.type : [s.type];
  const options = type.map((t: string | undefined): fc.Arbitrary<unknown> => {
    switch (t) {
      case 'string':
        return validString(s);
      case 'integer':
        return fc.integer({ min: Math.max(s.minimum ?? -1e6, -1e9), max: Math.min(s.maximum ?? 1e6, 1e9) });
      case 'number':
        return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return fc.array(s.items ? validValue(s.items, root) : fc.jsonValue(), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, cap(s.maxItems, 4)) });
      case 'object': {
        const props: Record<string, Schema> = s.properties ?? {};
        const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, validValue(v, root)]));
        return fc.record(model, { requiredKeys: (s.required ?? []).filter((k: string) => k in props) });
      }
      default:
        return fc.jsonValue();
    }
  });
  return options.length === 1 ? options[0]! : fc.oneof(...options);
};

/** A value of the wrong kind, or of the right kind just outside the schema's bounds. */
export const badValue = (schema: Schema, root: Schema = schema): fc.Arbitrary<unknown> => {
  const s = resolve(schema, root);
  const wrongKind = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }), nastyString());
  const near: fc.Arbitrary<unknown>[] = [];
  if (Array.isArray(s.enum)) near.push(fc.string({ maxLength: 12 }).filter((v) => !s.enum.includes(v)), fc.constantFrom(...s.enum.map((v: unknown) => String(v).toUpperCase() + ' ')));
  if (s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string'))) {
    if (typeof s.maxLength === 'number') near.push(fc.constant('x'.repeat(s.maxLength + 1)));
    if ((s.minLength ?? 0) > 0) near.push(fc.constant(''), fc.constant('   '));
    if (s.pattern || s.format) near.push(validString({ ...s, pattern: undefined, format: undefined }).map((v) => `${v}~`), nastyString());
  }
  if (s.type === 'integer' || s.type === 'number') {
    near.push(fc.constantFrom(s.minimum !== undefined ? s.minimum - 1 : -1, s.maximum !== undefined ? s.maximum + 1 : 1e21, 0.5, -0, Number.MAX_SAFE_INTEGER + 2));
  }
  if (s.type === 'array') near.push(fc.constant([]), fc.array(fc.jsonValue(), { minLength: (s.maxItems ?? 100) + 1, maxLength: (s.maxItems ?? 100) + 1 }));
  return near.length ? fc.oneof(wrongKind, ...near) : wrongKind;
};

/** One mutation of a valid object: a field made bad, a required field dropped, an unknown field added. */
export const nearMiss = (schema: Schema, root: Schema = schema): fc.Arbitrary<unknown> => {
  const s = resolve(schema, root);
  if (s.type !== 'object' || !s.properties) return badValue(s, root);
  const props = Object.keys(s.properties);
  const valid = validValue(s, root) as fc.Arbitrary<Record<string, unknown>>;
  const mutations: fc.Arbitrary<unknown>[] = [
    fc.tuple(valid, fc.constantFrom(...props)).chain(([v, k]) => badValue(s.properties[k], root).map((bad) => ({ ...v, [k]: bad }))),
    fc.tuple(valid, fc.constantFrom('__proto__', 'constructor', 'companyId', 'id', 'version', 'status', 'extra', 'contactId')).map(([v, k]) => ({ ...v, [k]: 'x' })),
    badValue(s, root),
  ];
  if ((s.required ?? []).length) mutations.push(fc.tuple(valid, fc.constantFrom(...(s.required as string[]))).map(([v, k]) => Object.fromEntries(Object.entries(v).filter(([key]) => key !== k))));
  return fc.oneof(...mutations);
};
