/**
 * A lease is only reported `running` once its node showed the pinned TLS key in a
 * handshake (see tls/pin-check.ts): not answering yet keeps it `provisioning`
 * (provider "running" does not mean the service is up), another key makes it `failed`.
 */
import type { Lease } from '../market/protocol.js';
import type { PinChecks } from './tls/pin-check.js';

/** `lease` as the runtime should see it after the handshake check. */
export async function vetRunning(lease: Lease, pins: PinChecks, onImpostor: (lease: Lease) => void): Promise<Lease> {
  if (lease.state !== 'running' || lease.endpoint === null || lease.tlsPin === undefined) return lease;
  const verdict = await pins.check(lease.id, lease.endpoint, lease.tlsPin);
  if (verdict === 'match') return lease;
  if (verdict === 'unreachable') return { ...lease, state: 'provisioning', endpoint: null };
  onImpostor(lease);
  return { ...lease, state: 'failed', endpoint: null };
}
