/**
 * A DNS lookup for node connections that refuses addresses the endpoint rules
 * refuse: a node host name vetted as public could still resolve (or be rebound) to a
 * metadata service or a private address. Checked on the address actually connected to.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { refuseResolvedAddress, type EndpointPolicy } from '../leases/node-endpoint.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for `net.connect` that fails with `ENDPOINT_REFUSED` on a refused address. */
export function guardedLookup(endpoint: URL, policy: EndpointPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      for (const { address } of addresses) {
        const refused = refuseResolvedAddress(address, endpoint, policy);
        if (refused !== undefined) {
          callback(Object.assign(new Error(`node endpoint ${refused}`), { code: 'ENDPOINT_REFUSED' }), []);
          return;
        }
      }
      if (options.all === true) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
