/**
 * The SDK-side lease lifecycle. A lease only moves forward:
 *
 *   requested ─▶ provisioning ─▶ ready ⇄ draining ─▶ released
 *        │             │           │          │
 *        └──────┬──────┴─────┬─────┴──────────┘
 *               ▼            ▼
 *            failed      preempted
 *
 * Terminal states never bill again. `releasing` sits between a decision to give the
 * lease back and the marketplace confirming it, so a failed DELETE is retried
 * instead of forgotten.
 */

/** Where a managed lease is in its life. */
export type ManagedLeaseState =
  | 'requested'
  | 'provisioning'
  | 'ready'
  | 'draining'
  | 'releasing'
  | 'released'
  | 'preempted'
  | 'failed';

const NEXT: Readonly<Record<ManagedLeaseState, readonly ManagedLeaseState[]>> = {
  requested: ['provisioning', 'ready', 'releasing', 'released', 'failed', 'preempted'],
  provisioning: ['ready', 'draining', 'releasing', 'released', 'failed', 'preempted'],
  ready: ['draining', 'releasing', 'released', 'failed', 'preempted'],
  draining: ['ready', 'releasing', 'released', 'failed', 'preempted'],
  releasing: ['released', 'failed', 'preempted'],
  released: [],
  preempted: [],
  failed: [],
};

/** Whether a lease in `from` may move to `to`. */
export function canTransition(from: ManagedLeaseState, to: ManagedLeaseState): boolean {
  return NEXT[from].includes(to);
}

/** States in which the lease may still bill. */
export function isLive(state: ManagedLeaseState): boolean {
  return NEXT[state].length > 0;
}
