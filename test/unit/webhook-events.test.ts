/** The pure parts of webhooks: which change is which event, and which addresses a webhook may reach. */
import { afterEach, describe, expect, it } from 'vitest';
import { ENV, resetEnvCache } from '../../shared/env';
import { streamConsumers } from '../../shared/streams';
import { CHANGE_ITEM_SORT_KEYS, changeEvent, eventTime, subscribes } from '../../shared/webhooks/change-events';
import { guardedTarget, isForbiddenAddress, urlProblem } from '../../shared/webhooks/url-policy';

const company = (more: Record<string, unknown> = {}) => ({ id: 'C1', name: 'Acme', status: 'active', counts: { contacts: 1 }, version: 3, updatedAt: '2026-12-01T10:00:00.000Z', ...more });
const at = Date.parse('2026-12-01T10:00:00.000Z');

describe('change events', () => {
  it('name creation, deletion, archiving and updates, and ignore what only counters and bookkeeping changed', () => {
    expect(changeEvent('company', 'r1', at, undefined, company())?.type).toBe('company.created');
    expect(changeEvent('company', 'r1', at, company(), undefined)?.type).toBe('company.deleted');
    expect(changeEvent('company', 'r1', at, company(), company({ status: 'archived' }))?.type).toBe('company.archived');
    expect(changeEvent('company', 'r1', at, company({ status: 'archived' }), company())?.type).toBe('company.updated');
    expect(changeEvent('company', 'r1', at, company(), company({ phone: '1' }))?.type).toBe('company.updated');
    expect(changeEvent('company', 'r1', at, company(), company({ counts: { contacts: 2 }, version: 4, updatedAt: '2026-12-01T10:00:01.000Z', integrations: { m365: { lastSyncAt: 'x' } } }))).toBeUndefined();
    expect(changeEvent('contact', 'r1', at, { id: 'P', status: 'active' }, { id: 'P', status: 'inactive' })?.type).toBe('contact.archived');
    expect(changeEvent('contract', 'r1', at, { id: 'K', status: 'active' }, { id: 'K', status: 'expired' })?.type).toBe('contract.archived');
    expect(changeEvent('contract', 'r1', at, { id: 'K', status: 'active', nextBillingDate: 'a' }, { id: 'K', status: 'active', nextBillingDate: 'b' })).toBeUndefined();
    // Internal attributes are not part of the resource, so they are no event either.
    expect(changeEvent('contact', 'r1', at, { id: 'P', status: 'active' }, { id: 'P', status: 'active', portalTokenHash: 'h' })).toBeUndefined();
  });

  it('give one stream record one time-ordered id, whoever reads it', () => {
    const a = changeEvent('company', 'record-1', at, undefined, company())!;
    expect(a.id).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(changeEvent('company', 'record-1', at, undefined, company())!.id).toBe(a.id);
    expect(changeEvent('company', 'record-2', at, undefined, company())!.id).not.toBe(a.id);
    expect(eventTime(a.id)).toBe(at);
    expect(a.timestamp).toBe('2026-12-01T10:00:00.000Z');
  });

  it('mark a change as the external system’s only while its version is the one that system wrote', () => {
    const synced = company({ version: 4, syncedFrom: { system: 'hubspot', version: 4 }, phone: '2' });
    expect(changeEvent('company', 'r', at, company(), synced)?.origin).toBe('hubspot');
    expect(changeEvent('company', 'r', at, synced, { ...synced, version: 5, phone: '3' })?.origin).toBeNull();
  });

  it('match subscriptions by type or kind', () => {
    expect(subscribes(['company.*'], 'company.deleted')).toBe(true);
    expect(subscribes(['company.created'], 'company.deleted')).toBe(false);
    expect(subscribes(['contact.*'], 'company.created')).toBe(false);
  });

  it('filter the stream on the sort keys the capture reads', () => {
    const capture = streamConsumers.find((c) => c.name === 'webhook-capture')!;
    expect((capture.filter as { dynamodb: { Keys: { sk: { S: readonly string[] } } } }).dynamodb.Keys.sk.S).toEqual(Object.keys(CHANGE_ITEM_SORT_KEYS));
  });
});

describe('webhook URL policy', () => {
  afterEach(() => {
    process.env[ENV.WEBHOOK_ALLOW_LOOPBACK] = '1';
    resetEnvCache();
  });
  const deployed = () => {
    delete process.env[ENV.WEBHOOK_ALLOW_LOOPBACK];
    resetEnvCache();
  };

  it('refuses private, loopback, link-local, reserved and mapped addresses', () => {
    for (const a of ['10.0.0.1', '127.0.0.1', '169.254.169.254', '172.16.5.4', '192.168.0.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not-an-ip']) {
      expect(isForbiddenAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700::1111']) expect(isForbiddenAddress(a), a).toBe(false);
  });

  it('on AWS: https only, and a name must resolve only to public addresses', async () => {
    deployed();
    const dns = (map: Record<string, string[]>) => async (host: string) => {
      if (!map[host]) throw new Error('ENOTFOUND');
      return map[host]!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    const lookup = dns({ 'crm.example.com': ['93.184.215.14'], 'inside.example.com': ['93.184.215.14', '10.0.0.7'], 'meta.example.com': ['169.254.169.254'] });
    expect(await urlProblem('https://crm.example.com/hook', lookup)).toBeUndefined();
    expect(await urlProblem('https://inside.example.com/hook', lookup)).toMatch(/private/);
    expect(await urlProblem('https://meta.example.com/hook', lookup)).toMatch(/private/);
    expect(await urlProblem('https://nowhere.example.com/hook', lookup)).toMatch(/does not resolve/);
    expect(await urlProblem('http://crm.example.com/hook', lookup)).toMatch(/https/);
    expect(await urlProblem('http://127.0.0.1:8080/hook', lookup)).toMatch(/https/);
    expect(await urlProblem('https://localhost/hook', lookup)).toMatch(/this machine/);
    expect(() => guardedTarget('http://127.0.0.1:8080/hook')).toThrow(/https/);
  });

  it('locally: http to 127.0.0.1 and localhost only', async () => {
    expect(await urlProblem('http://127.0.0.1:8080/hook')).toBeUndefined();
    expect(await urlProblem('http://localhost:8080/hook')).toBeUndefined();
    expect(await urlProblem('http://127.0.0.2:8080/hook')).toMatch(/https/);
    expect(guardedTarget('http://localhost:1/x').lookup).toBeUndefined();
  });
});
