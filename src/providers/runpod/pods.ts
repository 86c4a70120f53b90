/**
 * A RunPod pod as a protocol-v1 lease: state from `status`, the node's endpoint
 * from the runtime's public TCP mapping (pinned TLS) or the HTTPS proxy URL, tags
 * from the name, and the token and pin the adapter generated for it.
 */
import type { Lease, LeaseState } from '../../market/protocol.js';
import { decodeLabel } from '../label.js';
import type { LeaseFacts } from '../lease-book.js';
import type { RunPodSettings } from './options.js';
import type { Pod } from './schemas.js';

/** The protocol-v1 state of a pod. */
export function podState(status: string, deleting: boolean): LeaseState {
  const s = status.toUpperCase();
  if (s === 'TERMINATED') return 'terminated';
  if (deleting) return 'terminating';
  if (s === 'RUNNING') return 'running';
  if (s === 'EXITED' || s === 'ERROR') return 'failed';
  return 'provisioning';
}

/** Where the node of a running pod is reached, or null while unknown. */
export function podEndpoint(pod: Pod, settings: RunPodSettings): string | null {
  if (settings.network === 'proxy') return settings.proxyUrl.replace('{podId}', encodeURIComponent(pod.id)).replace('{port}', String(settings.nodePort));
  const mapping = pod.runtime?.ports?.find((p) => p.private === settings.nodePort && (p.type ?? 'tcp').toLowerCase() === 'tcp' && p.public && p.ip);
  if (!mapping) return null;
  const ip = mapping.ip!.trim();
  return `https://${ip.includes(':') ? `[${ip}]` : ip}:${mapping.public}`;
}

/** The lease view of a pod. */
export function podLease(pod: Pod, facts: LeaseFacts & { settings: RunPodSettings }): Lease {
  const state = podState(pod.status, facts.deleting);
  const { secret } = facts;
  return {
    id: pod.id,
    offerId: facts.offerId ?? '',
    state,
    endpoint: state === 'running' ? podEndpoint(pod, facts.settings) : null,
    nodeToken: secret?.nodeToken ?? null,
    pricePerHour: pod.cost ?? 0,
    createdAt: pod.createdAt ?? null,
    readyAt: null,
    endedAt: null,
    billedSec: 0,
    cost: 0,
    tags: decodeLabel(pod.name) ?? {},
    ...(secret?.tls ? { tlsPin: secret.tls.pin } : {}),
  };
}

/** The lease of a pod that is gone (404). */
export function gonePod(id: string, offerId: string | undefined): Lease {
  return { id, offerId: offerId ?? '', state: 'terminated', endpoint: null, nodeToken: null, pricePerHour: 0, createdAt: null, readyAt: null, endedAt: null, billedSec: 0, cost: 0, tags: {} };
}
