/**
 * The logger keeps secrets out whatever a caller hands it: an HTTP client's error (which carries
 * the request it made: `Authorization`, a form body with the OAuth `code`, the response with
 * tokens), a URL with `code`/`state`/`token` in its query, values under secret-looking keys.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger, scrub } from '../../shared/logger';

afterEach(() => vi.restoreAllMocks());

const capture = () => {
  const out: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string) => {
      out.push(String(chunk));
      return true;
    }) as typeof stream.write);
  }
  return out;
};

const SECRETS = { code: 'AB11codeXYZ987', state: 'eyJzdWIiOiJzdGF0ZSJ9.sig', basic: 'Y2xpZW50OnNlY3JldA==', access: 'eyJhY2Nlc3MiOiJ0b2tlbiJ9.a.b', refresh: 'AB11refresh0000', password: 'Portal-Pa55word!' };

describe('logger redaction', () => {
  it('logs an HTTP client error by what went wrong, not by what was sent', () => {
    const out = capture();
    const error = Object.assign(new Error(`Request failed with status code 400 for https://oauth.example/token?code=${SECRETS.code}&state=${SECRETS.state}`), {
      name: 'AxiosError',
      code: 'ERR_BAD_REQUEST',
      status: 400,
      config: { headers: { Authorization: `Basic ${SECRETS.basic}` }, data: `grant_type=authorization_code&code=${SECRETS.code}&redirect_uri=https%3A%2F%2Fapi` },
      response: { status: 400, data: { access_token: SECRETS.access, refresh_token: SECRETS.refresh } },
      cause: new Error(`socket hang up after sending state=${SECRETS.state}`),
    });
    logger.error('Unhandled error', error);
    const text = out.join('');
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    const line = JSON.parse(text.trim().split('\n').at(-1)!);
    expect(line.error).toMatchObject({ name: 'AxiosError', code: 'ERR_BAD_REQUEST', status: 400, message: expect.stringContaining('code=[redacted]&state=[redacted]') });
    expect(line.error.cause.message).toContain('state=[redacted]');
  });

  it('replaces values under secret-looking keys and masks secret query parameters in any string', () => {
    const out = capture();
    logger.error('Connected', {
      realmId: '9130357',
      tokens: { accessToken: SECRETS.access, refresh_token: SECRETS.refresh },
      headers: { authorization: `Bearer ${SECRETS.access}`, 'content-type': 'application/json' },
      body: { password: SECRETS.password, email: 'ann@example.com' },
      link: `https://portal.example/setup?token=${SECRETS.refresh}`,
      callback: `/v1/public/quickbooks/callback?code=${SECRETS.code}&realmId=9130357`,
    });
    const text = out.join('');
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    const line = JSON.parse(text.trim());
    expect(line).toMatchObject({ realmId: '9130357', headers: { authorization: '[redacted]', 'content-type': 'application/json' }, body: { password: '[redacted]', email: 'ann@example.com' } });
    expect(line.link).toBe('https://portal.example/setup?token=[redacted]');
    expect(line.callback).toBe('/v1/public/quickbooks/callback?code=[redacted]&realmId=9130357');
  });

  it('masks only the parameters that carry secrets', () => {
    expect(scrub('/v1/companies?limit=5&q=acme')).toBe('/v1/companies?limit=5&q=acme');
    expect(scrub('a=1&state=abc&b=2#id_token=xyz')).toBe('a=1&state=[redacted]&b=2#id_token=[redacted]');
  });
});
