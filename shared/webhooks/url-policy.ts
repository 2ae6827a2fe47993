/**
 * Where a webhook may point (SSRF): `https`, to a host whose every address is public. Never a
 * private (RFC 1918, unique-local), loopback, link-local (the cloud metadata service at
 * 169.254.169.254), carrier-grade NAT, multicast, reserved or documentation address, and no
 * IPv4-mapped or NAT64 IPv6 form of one. Checked when a webhook is created or changed (a clear
 * 400) and again at every delivery, inside the connection's own DNS lookup, so a name that
 * resolves elsewhere later (DNS rebinding) is refused at connect time, not only at save time.
 *
 * The local stack (and the tests) set `WEBHOOK_ALLOW_LOOPBACK`: there, and only for the hosts
 * `127.0.0.1` and `localhost`, plain `http` to the loopback interface is allowed (API.md).
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { ENV, optionalEnv } from '../env';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

// IPv4-mapped IPv6 (`::ffff:10.0.0.1`): refused as a whole. Kept apart, because a BlockList
// checks every IPv4 address against an IPv6 rule in its mapped form, and this rule holds them all.
const mapped = new BlockList();
mapped.addSubnet('::ffff:0:0', 96, 'ipv6');

/** Is `address` (an IP literal) one a webhook may never reach? */
export const isForbiddenAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6 && mapped.check(address, 'ipv6')) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost'];
const loopbackAllowed = () => optionalEnv(ENV.WEBHOOK_ALLOW_LOOPBACK) === '1';

/** The URL's host as DNS and `isIP` read it (`[::1]` → `::1`). */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** A local-stack receiver: loopback, by one of the two names API.md allows, when the stack allows it. */
const isLocalReceiver = (url: URL) => loopbackAllowed() && LOOPBACK_HOSTS.includes(hostOf(url));

/** Why `raw` may not be a webhook URL, from its shape alone (scheme, literal address); undefined when it may be. */
const shapeProblem = (url: URL): string | undefined => {
  if (isLocalReceiver(url)) return undefined;
  if (url.protocol !== 'https:') return 'Must be an https URL';
  const host = hostOf(url);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'Must not point to this machine';
  if (isIP(host) && isForbiddenAddress(host)) return 'Must not point to a private, loopback, link-local or reserved address';
  return undefined;
};

type Lookup = (hostname: string) => Promise<LookupAddress[]>;
const resolveAll: Lookup = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/**
 * Why `raw` may not be a webhook URL, resolving its host now; undefined when it may be. A host
 * that does not resolve is refused too: a subscription nobody can ever reach is a typo.
 */
export const urlProblem = async (raw: string, lookup: Lookup = resolveAll): Promise<string | undefined> => {
  const url = new URL(raw);
  const problem = shapeProblem(url);
  if (problem || isLocalReceiver(url)) return problem;
  const host = hostOf(url);
  if (isIP(host)) return undefined;
  let addresses: LookupAddress[];
  try {
    addresses = await lookup(host);
  } catch {
    return `The host ${host} does not resolve`;
  }
  if (!addresses.length) return `The host ${host} does not resolve`;
  if (addresses.some((a) => isForbiddenAddress(a.address))) return `The host ${host} resolves to a private, loopback, link-local or reserved address`;
  return undefined;
};

/** Thrown by the guarded lookup: the delivery is refused before a connection is made. */
export class ForbiddenAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESS';
}

/**
 * The options a delivery's `http(s).request` connects with: the URL as checked by shape, and a
 * DNS lookup that refuses every forbidden address it resolves (the connection uses what this
 * lookup returns, so a rebinding answer cannot slip in between check and connect).
 */
export const guardedTarget = (raw: string): { url: URL; lookup?: typeof dnsLookup } => {
  const url = new URL(raw);
  const problem = shapeProblem(url);
  if (problem) throw new ForbiddenAddressError(problem);
  if (isLocalReceiver(url) || isIP(hostOf(url))) return { url };
  const lookup = ((hostname: string, options: object, callback: (err: Error | null, address?: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => isForbiddenAddress(a.address));
      if (bad || !list.length) return callback(new ForbiddenAddressError(`${hostname} resolves to an address a webhook may not reach`));
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  }) as unknown as typeof dnsLookup;
  return { url, lookup };
};
