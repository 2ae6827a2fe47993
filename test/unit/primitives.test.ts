/** The small pieces every route relies on: claims, path templates, signatures, name keys. */
import { beforeAll, describe, expect, it } from 'vitest';
import sample from '../../events/http/staff-create-company.json';
import { callerFrom, mayCall } from '../../shared/http/caller';
import { matchPath } from '../../shared/http/paths';
import { sign, verify } from '../../shared/crypto/signing';
import { normalizeName } from '../../shared/db/keys';
import { resetEnvCache } from '../../shared/env';

beforeAll(() => {
  process.env.SIGNING_KEY = 'unit-test-key';
  resetEnvCache();
});

describe('callerFrom', () => {
  it('reads API Gateway string claims, groups in brackets', () => {
    const caller = callerFrom(sample as never, 'staff')!;
    expect(caller).toMatchObject({ sub: '8a7b6c5d-1111-2222-3333-444455556666', email: 'admin@msp.example', groups: ['Admin', 'Technician'] });
    expect(mayCall(caller, ['Admin', 'MSPAdmin'])).toBe(true);
    expect(mayCall(caller, ['ComplianceAdmin'])).toBe(false);
  });

  it('ignores groups it does not know and lets SuperAdmin do everything', () => {
    const event = structuredClone(sample) as any;
    event.requestContext.authorizer.jwt.claims['cognito:groups'] = '[SuperAdmin Hackers]';
    const caller = callerFrom(event, 'staff')!;
    expect(caller.groups).toEqual(['SuperAdmin']);
    expect(mayCall(caller, [])).toBe(true);
  });
});

describe('matchPath', () => {
  it('matches templates and decodes parameters', () => {
    expect(matchPath('/v1/companies/{id}', '/v1/companies/01ABC')).toEqual({ id: '01ABC' });
    expect(matchPath('/v1/companies/{id}', '/v1/companies')).toBeUndefined();
    expect(matchPath('/v1/companies/{id}', '/v1/companies/')).toBeUndefined();
    expect(matchPath('/v1/companies/{id}/audit', '/v1/companies/a%20b/audit')).toEqual({ id: 'a b' });
    expect(matchPath('/files/{path+}', '/files/a/b')).toEqual({ path: 'a/b' });
  });
});

describe('signing', () => {
  it('round-trips and refuses tampering, another purpose, or junk', async () => {
    const token = await sign('cursor', { k: 1 });
    expect(await verify('cursor', token)).toEqual({ k: 1 });
    expect(await verify('state', token)).toBeUndefined();
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ k: 2 })).toString('base64url');
    expect(await verify('cursor', `${forged}.${mac}`)).toBeUndefined();
    expect(await verify('cursor', `${payload}.${mac}x`)).toBeUndefined();
    expect(await verify('cursor', 'junk')).toBeUndefined();
  });
});

describe('normalizeName', () => {
  it('ignores case, surrounding and repeated spaces, and width', () => {
    expect(normalizeName('  Acme   Corp ')).toBe('acme corp');
    expect(normalizeName('ＡＣＭＥ')).toBe('acme');
  });
});
