/**
 * When capacity cannot be had, waiting work should fail with the cause instead of
 * timing out "while queued": nodes of the workload's image keep failing to start
 * (start-failures.ts), or no offer meets its GPU requirement (offer-availability.ts).
 * The control loop asks the gate each tick which offers the
 * planner must leave out for a workload (they go into its observation, so the
 * planner stays a pure function of what it is given) and whether its waiting and
 * new tasks should be refused now.
 */
import { ComputeError } from '../errors.js';
import type { WorkloadRuntime } from '../workload.js';
import type { OfferAvailability } from './offer-availability.js';
import type { StartFailures } from './start-failures.js';

/** What the loop asks before it plans and acts. */
export interface CapacityGate {
  /** Once per tick, before planning: fetch what the checks need. Never rejects. */
  prepare(runtimes: readonly WorkloadRuntime[], now: number): Promise<void>;
  /** Offer ids the planner must not rent for `runtime` at `now` (none: empty). */
  avoidOffers(runtime: WorkloadRuntime, now: number): readonly string[];
  /** The error the workload's waiting and new tasks fail with at `now`, when nothing should be rented for it. */
  refusal(runtime: WorkloadRuntime, now: number): ComputeError | undefined;
}

/** The gate over start failures and offer availability. */
export function capacityGate(startFailures: StartFailures, availability: OfferAvailability): CapacityGate {
  return {
    prepare: (runtimes, now) => availability.prepare(runtimes, now),
    avoidOffers: (runtime, now) => startFailures.backedOff(runtime.config.image, now),
    refusal: (runtime, now) => {
      const given = startFailures.givenUp(runtime.config.image, now);
      if (given === undefined) return availability.refusal(runtime, now);
      const waitSec = Math.ceil((given.retryAt - now) / 1000);
      return new ComputeError(
        'NODE_START_FAILED',
        `workload "${runtime.name}": ${given.failures} nodes in a row did not start (last: ${given.reason}); ` +
          `nothing is rented for it for ${waitSec} s, then one more try`,
        { retryable: false, details: { workload: runtime.name, failures: given.failures, reason: given.reason, retryAt: given.retryAt } },
      );
    },
  };
}
