/**
 * Carrying out a decision, the same way for the live loop and the simulator: the
 * memory is handed back to the workload, then leases are requested, draining nodes
 * taken back, nodes drained and released, in that order, through the caller's
 * {@link DecisionEffects}.
 */
import type { LeaseRequest, PlannerMemory, WorkloadDecision } from './observation.js';

/** What acting on a decision does to the world (the lease manager, or the simulated cluster). */
export interface DecisionEffects {
  /** Request a lease; false when it was not requested. */
  rent(request: LeaseRequest): boolean;
  /** Take a draining node back into service; false when it was not draining any more. */
  restore(id: string): boolean;
  /** Give a node no more tasks; false when it was gone. */
  drain(id: string): boolean;
  /** Release a node now; false when it was gone. */
  release(id: string): boolean;
}

/** What was done. */
export interface Applied {
  added: number;
  restored: number;
  drained: number;
  released: number;
}

/**
 * Apply `d` to `holder` (its planner memory: the only write of it) and the world.
 * With `rentAllowed` false (a marketplace that refuses us for good), no lease is requested.
 */
export function apply(holder: { memory: PlannerMemory }, d: WorkloadDecision, effects: DecisionEffects, rentAllowed = true): Applied {
  holder.memory = d.memory;
  const done: Applied = { added: 0, restored: 0, drained: 0, released: 0 };
  if (rentAllowed) for (const request of d.add) if (effects.rent(request)) done.added++;
  for (const id of d.restore) if (effects.restore(id)) done.restored++;
  for (const id of d.drain) if (effects.drain(id)) done.drained++;
  for (const id of d.release) if (effects.release(id)) done.released++;
  return done;
}

/** At most one extra tick per this many ms, however many tasks arrive at once. */
export const NUDGE_MS = 50;

/** How long after `now` a nudge ticks, given the last tick's time. */
export function nudgeDelayMs(now: number, lastTickAt: number): number {
  return Math.max(0, NUDGE_MS - (now - lastTickAt));
}
