/**
 * A Vast.ai instance as a protocol-v1 lease: state from `actual_status`, the node's
 * endpoint from the public address and the host port mapped to the container port,
 * tags from the label, and the token and TLS pin the adapter generated for it.
 */
import type { Lease, LeaseState } from '../../market/protocol.js';
import { decodeLabel } from '../label.js';
import type { LeaseFacts } from '../lease-book.js';
import type { VastInstance } from './schemas.js';

// actual_status values that mean the container is not coming back on its own.
const FAILED = new Set(['exited', 'unknown', 'offline', 'stopped']);

/** What the adapter knows about an instance besides what Vast says. */
export interface VastInstanceFacts extends LeaseFacts {
  nodePort: number;
}

/** The protocol-v1 state of an instance. */
export function vastState(instance: VastInstance, deleting: boolean): LeaseState {
  if (deleting) return 'terminating';
  const actual = instance.actual_status?.toLowerCase() ?? null;
  if (actual === 'running') return 'running';
  if (actual !== null && FAILED.has(actual)) {
    // An outbid interruptible instance is paused, not broken (dstackai/dstack PR #4025).
    return instance.is_bid === true ? 'preempted' : 'failed';
  }
  return 'provisioning';
}

/** `https://<public ip>:<host port of the container port>`, or null until both are known. */
export function vastEndpoint(instance: VastInstance, nodePort: number, tls: boolean): string | null {
  const ip = instance.public_ipaddr?.trim();
  const mapping = instance.ports?.[`${nodePort}/tcp`]?.[0];
  const port = Number(mapping?.HostPort);
  if (!ip || !Number.isInteger(port) || port <= 0 || port > 65_535) return null;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return `${tls ? 'https' : 'http'}://${host}:${port}`;
}

/** The lease view of an instance. */
export function vastLease(instance: VastInstance, facts: VastInstanceFacts): Lease {
  const state = vastState(instance, facts.deleting);
  const tags = decodeLabel(instance.label) ?? {};
  const { secret } = facts;
  const endpoint = state === 'running' ? vastEndpoint(instance, facts.nodePort, secret?.tls !== undefined) : null;
  const createdAt = typeof instance.start_date === 'number' && instance.start_date > 0 ? new Date(instance.start_date * 1000).toISOString() : null;
  return {
    id: instance.id,
    offerId: facts.offerId ?? '',
    state,
    endpoint,
    nodeToken: secret?.nodeToken ?? null,
    pricePerHour: instance.dph_total ?? 0,
    createdAt,
    readyAt: null,
    endedAt: null,
    billedSec: 0,
    cost: 0,
    tags,
    ...(secret?.tls ? { tlsPin: secret.tls.pin } : {}),
  };
}

/** The lease of an instance that is gone (`{instances: null}`). */
export function goneLease(id: string, facts: Pick<VastInstanceFacts, 'offerId'>, tags: Record<string, string> = {}): Lease {
  return {
    id,
    offerId: facts.offerId ?? '',
    state: 'terminated',
    endpoint: null,
    nodeToken: null,
    pricePerHour: 0,
    createdAt: null,
    readyAt: null,
    endedAt: null,
    billedSec: 0,
    cost: 0,
    tags,
  };
}
