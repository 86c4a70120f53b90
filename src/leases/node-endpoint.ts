/**
 * Vets the node endpoint a marketplace hands back before any task (or node token)
 * is sent to it: a marketplace bug or a hostile one must not be able to point our
 * traffic and credentials at something that is not an HTTP node.
 */
import { isLoopbackHost } from '../market/endpoint.js';

/** What an endpoint may be. */
export interface EndpointPolicy {
  /** Plain `http://` to a host that is not loopback is accepted. */
  allowInsecureHttp: boolean;
}

/** Why `endpoint` is refused, or undefined when it is fine. */
export function refuseNodeEndpoint(endpoint: string, policy: EndpointPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `uses ${url.protocol} (only http and https)`;
  if (url.username || url.password) return 'carries credentials';
  if (url.search || url.hash) return 'carries a query or fragment';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !policy.allowInsecureHttp) {
    return 'is plain http to a host that is not loopback (the node token would travel in clear; set marketplace.allowInsecureHttp to allow)';
  }
  return undefined;
}
