/**
 * Vets the node endpoint a marketplace (or a provider adapter) hands back before any
 * task or node token is sent to it: a marketplace bug or a hostile one must not be
 * able to point our traffic and credentials at something that is not a rented node —
 * a cloud metadata service, a link-local address, a machine on the app's own private
 * network — nor smuggle credentials or another scheme into the URL.
 *
 * One function, {@link refuseNodeEndpoint}, used for every endpoint whatever its
 * source; {@link classifyAddress} is the same rule for an address a name resolved to.
 */
import { isIP } from 'node:net';
import { isLoopbackHost } from '../market/endpoint.js';

/** Which address ranges a node endpoint may be in. */
export type NodeEndpointRange = 'public-only' | 'private-ok';

/** What kind of place an endpoint's host is. */
export type AddressClass = 'loopback' | 'public' | 'private' | 'link-local' | 'metadata' | 'unusable';

/**
 * Asked about an endpoint the rules refuse for its address (metadata, link-local,
 * private, unusable); `true` lets it through. Never asked about bad schemes or
 * credentials, which nothing can allow.
 */
export type AllowEndpoint = (endpoint: URL, addressClass: AddressClass) => boolean;

/** What an endpoint may be. */
export interface EndpointPolicy {
  /** Plain `http://` to a host that is not loopback is accepted. */
  allowInsecureHttp: boolean;
  /** `'private-ok'` also accepts private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/8). @default 'public-only' */
  nodeEndpoints?: NodeEndpointRange | undefined;
  /** The user's last word on an address the rules refuse. */
  allowEndpoint?: AllowEndpoint | undefined;
}

/** Host names of cloud metadata services (they resolve to link-local addresses inside the cloud). */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/**
 * Why `endpoint` is refused, or undefined when it is fine. The reason completes the
 * sentence "node endpoint ...".
 */
export function refuseNodeEndpoint(endpoint: string, policy: EndpointPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `uses ${url.protocol} (only http and https)`;
  // Nothing allows these: credentials in a URL get printed, and would go to the node.
  if (url.username || url.password) return 'carries credentials';
  if (url.search || url.hash) return 'carries a query or fragment';
  const addressClass = classifyHost(url.hostname);
  const refusal = refusalFor(addressClass, policy.nodeEndpoints ?? 'public-only');
  if (refusal !== undefined && policy.allowEndpoint?.(url, addressClass) !== true) return refusal;
  if (url.protocol === 'http:' && addressClass !== 'loopback' && !policy.allowInsecureHttp) {
    return 'is plain http to a host that is not loopback (the node token would travel in clear; set marketplace.allowInsecureHttp to allow)';
  }
  return undefined;
}

/**
 * Why an address a node's host name resolved to is refused, or undefined. For the
 * connection itself: a name that passed {@link refuseNodeEndpoint} may still resolve
 * to a metadata or private address.
 */
export function refuseResolvedAddress(address: string, endpoint: URL, policy: EndpointPolicy): string | undefined {
  const addressClass = classifyAddress(address);
  const refusal = refusalFor(addressClass, policy.nodeEndpoints ?? 'public-only');
  if (refusal === undefined || policy.allowEndpoint?.(endpoint, addressClass) === true) return undefined;
  return `resolves to ${address}, which ${refusal}`;
}

function refusalFor(addressClass: AddressClass, range: NodeEndpointRange): string | undefined {
  switch (addressClass) {
    case 'metadata':
      return 'is a cloud metadata address (allow it with the allowEndpoint option)';
    case 'link-local':
      return 'is a link-local address (allow it with the allowEndpoint option)';
    case 'unusable':
      return 'is not a unicast address a node can have';
    case 'private':
      return range === 'private-ok' ? undefined : "is in a private address range (set nodeEndpoints: 'private-ok' to allow)";
    default:
      return undefined;
  }
}

/** The class of a URL's hostname (IPv6 in brackets; IPv4 already normalised by `URL`). */
export function classifyHost(hostname: string): AddressClass {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (isLoopbackHost(host)) return 'loopback';
  if (METADATA_NAMES.has(host)) return 'metadata';
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return classifyAddress(bare);
  // `*.localhost` resolves to loopback by RFC 6761; other names are judged when resolved.
  return host.endsWith('.localhost') ? 'loopback' : 'public';
}

/** The class of one IP address, v4 or v6. Anything unparseable is `unusable`. */
export function classifyAddress(address: string): AddressClass {
  const kind = isIP(address);
  if (kind === 4) return classifyV4(v4Octets(address));
  if (kind === 6) return classifyV6(address.toLowerCase());
  return 'unusable';
}

function v4Octets(address: string): number[] {
  return address.split('.').map(Number);
}

function classifyV4([a = 0, b = 0, c = 0, d = 0]: number[]): AddressClass {
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return c === 169 && d === 254 ? 'metadata' : 'link-local';
  // Alibaba Cloud's metadata service sits in the shared address space.
  if (a === 100 && b === 100 && c === 100 && d === 200) return 'metadata';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private';
  // 0/8 reaches this host on some systems; 224/4 multicast and 240/4 reserved (broadcast) are no node.
  if (a === 0 || a >= 224) return 'unusable';
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, an embedded IPv4 tail converted). */
function v6Groups(address: string): number[] {
  let text = address.split('%')[0]!;
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const [a = 0, b = 0, c = 0, d = 0] = v4Octets(v4Tail[1]!);
    text = `${text.slice(0, -v4Tail[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}

function classifyV6(address: string): AddressClass {
  const g = v6Groups(address);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  if (upperZero && g5 === 0 && g6 === 0 && g7 === 0) return 'unusable';
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address inside.
  const embedded = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (upperZero && g5 === 0xffff) return classifyV4(embedded);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyV4(embedded);
  // fd00:ec2::254 (AWS), and the whole fd00::/8 where clouds put their metadata services.
  if (g0 >> 8 === 0xfd) return 'metadata';
  if (g0 >> 8 === 0xfc) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if (g0 >> 8 === 0xff) return 'unusable';
  return 'public';
}
