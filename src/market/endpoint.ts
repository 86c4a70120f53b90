/**
 * Where the marketplace lives, checked once when the client is built: plain HTTP
 * would send the API key in clear text, so it is only allowed to this machine unless
 * the user says otherwise.
 */
import { isIPv4 } from 'node:net';
import { ComputeError } from '../errors.js';

/** The parts of `marketplace.url` the client sends requests to. */
export interface MarketplaceEndpoint {
  /** `scheme://host[:port]`, what the undici dispatcher is keyed by. */
  origin: string;
  /** Path prefix before `/v1/...`, without a trailing slash (often empty). */
  basePath: string;
}

/**
 * True for hosts that cannot leave this machine: `localhost`, 127.0.0.0/8 and `::1`.
 * `hostname` is as `URL.hostname` gives it (IPv6 in brackets, IPv4 normalised).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost') return true;
  if (host === '[::1]' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/**
 * Parse and vet `marketplace.url`. Throws `CONFIG_INVALID` naming `marketplace.url`
 * for a URL that is not http(s), carries credentials, a query or a fragment, or is
 * plain `http://` to a non-loopback host without `allowInsecureHttp`.
 */
export function parseMarketplaceUrl(url: string, allowInsecureHttp: boolean): MarketplaceEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('must be an http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalid('must be an http(s) URL');
  // The key belongs in `apiKey`, where it is kept out of messages; a URL gets printed.
  if (parsed.username !== '' || parsed.password !== '') {
    throw invalid('must not contain credentials; pass the key as marketplace.apiKey');
  }
  if (parsed.search !== '' || parsed.hash !== '') throw invalid('must not have a query string or fragment');
  if (parsed.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(parsed.hostname)) {
    throw invalid(
      `plain http:// to ${parsed.hostname} would send the API key unencrypted; use https:// ` +
        'or set marketplace.allowInsecureHttp: true',
    );
  }
  return { origin: parsed.origin, basePath: parsed.pathname.replace(/\/+$/, '') };
}

function invalid(reason: string): ComputeError {
  return new ComputeError('CONFIG_INVALID', `marketplace.url: ${reason}`, { details: { path: 'marketplace.url' } });
}
