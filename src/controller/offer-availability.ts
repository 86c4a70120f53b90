/**
 * A workload whose GPU no offer has (`gpu: { model: 'A1000' }`, a typo of A100) would
 * otherwise wait silently until its tasks time out. When the marketplace answers the
 * workload's offer query and no offer meets its requirement:
 *
 * - at once, a `warning` (code `NO_OFFER`) names the models the marketplace does
 *   offer, closest to the one asked for first (edit distance);
 * - after {@link NO_OFFER_GRACE_MS} with still none (offers come and go), its queued
 *   tasks and new `run()` calls fail with `NO_OFFER`, until an offer appears.
 *
 * A marketplace that cannot be reached has said nothing about its offers: that is
 * never "no offer" (its tasks wait, as they do for any outage).
 */
import { ComputeError } from '../errors.js';
import type { OfferQuery } from '../market/protocol.js';
import { rankOffers, type OfferRequirement } from '../market/offer-selection.js';
import type { WorkloadRuntime } from '../workload.js';
import { offerQueryFor, type OfferCache } from './offer-cache.js';
import type { PlannerPolicy } from './observation.js';

/** How long no offer may meet a workload's requirement before its waiting tasks fail with `NO_OFFER`, ms. */
export const NO_OFFER_GRACE_MS = 10_000;

/** The query for every offer, whatever its GPU (protocol v1 makes every filter optional). */
export const EVERY_OFFER: OfferQuery = { gpu: [], minGpus: 1 };

interface Shortage {
  since: number;
  warned: boolean;
}

/** Tracks, per workload, since when no offer meets its requirement. */
export class OfferAvailability {
  readonly #shortages = new Map<string, Shortage>();

  constructor(
    private readonly offers: OfferCache,
    private readonly warn: (error: ComputeError, during: string) => void,
  ) {}

  /**
   * Before planning: ask again for the offers of workloads refused for lack of one
   * (nothing else would, with no task waiting), list every offer when a workload
   * found none, and warn once per shortage. Never rejects.
   */
  async prepare(runtimes: readonly WorkloadRuntime[], now: number): Promise<void> {
    const refused = runtimes.filter((r) => r.capacityRefusal?.code === 'NO_OFFER');
    if (refused.length > 0) await this.offers.refresh(refused.map((r) => offerQueryFor(r.policy.gpu)));
    const short = runtimes.filter((r) => this.#lacking(r) === true);
    for (const runtime of runtimes) if (this.#lacking(runtime) === false) this.#shortages.delete(runtime.name);
    if (short.length === 0) return;
    await this.offers.refresh([EVERY_OFFER]);
    for (const runtime of short) {
      let shortage = this.#shortages.get(runtime.name);
      if (shortage === undefined) this.#shortages.set(runtime.name, (shortage = { since: now, warned: false }));
      if (shortage.warned) continue;
      shortage.warned = true;
      this.warn(this.#error(runtime, `its queued tasks fail with NO_OFFER in ${Math.round(NO_OFFER_GRACE_MS / 1000)} s unless one appears`), `finding offers for workload "${runtime.name}"`);
    }
  }

  /** `NO_OFFER` once no offer has met the workload's requirement for the grace, else undefined. */
  refusal(runtime: WorkloadRuntime, now: number): ComputeError | undefined {
    const shortage = this.#shortages.get(runtime.name);
    if (shortage === undefined || this.#lacking(runtime) !== true || now - shortage.since < NO_OFFER_GRACE_MS) return undefined;
    return this.#error(runtime, `no offer for ${Math.round((now - shortage.since) / 1000)} s`);
  }

  /** true: the marketplace answered and no offer meets the requirement; false: one does; undefined: not known. */
  #lacking(runtime: WorkloadRuntime): boolean | undefined {
    const answer = this.offers.answered(offerQueryFor(runtime.policy.gpu));
    if (answer === undefined) return undefined;
    return rankOffers(answer, requirementOf(runtime.policy), { avoidSpot: false }).length === 0;
  }

  #error(runtime: WorkloadRuntime, tail: string): ComputeError {
    const { policy } = runtime;
    const wanted = policy.gpu.model;
    const catalogue = this.offers.answered(EVERY_OFFER);
    const every = [...(catalogue ?? []), ...(this.offers.answered(offerQueryFor(policy.gpu)) ?? [])];
    const offered = closestFirst(wanted, [...new Set(every.map((o) => o.gpu.model))]);
    const known = wanted.filter((m) => offered.includes(m));
    // A marketplace that would not list every offer leaves the models offered unknown, not empty.
    const listed = offered.length > 0 ? `; models offered: ${offered.join(', ')} (closest first)` : catalogue !== undefined ? '; the marketplace lists no offer at all' : '';
    const what =
      known.length === 0 ? `no offer has GPU model ${wanted.join(' or ')}${listed}` : `no offer of ${known.join(' or ')} meets ${constraints(policy)} with a node available`;
    return new ComputeError('NO_OFFER', `workload "${runtime.name}": ${what}; ${tail}`, {
      retryable: false,
      details: { workload: runtime.name, models: [...wanted], offeredModels: offered },
    });
  }
}

function requirementOf(policy: PlannerPolicy): OfferRequirement {
  return policy.maxPricePerHour === undefined ? policy.gpu : { ...policy.gpu, maxPricePerHour: policy.maxPricePerHour };
}

function constraints(policy: PlannerPolicy): string {
  const parts = [`gpu.count ${policy.gpu.count}`];
  if (policy.gpu.minMemoryGb !== undefined) parts.push(`gpu.minMemoryGb ${policy.gpu.minMemoryGb}`);
  if (policy.gpu.interruptible !== 'allow') parts.push(`gpu.interruptible '${policy.gpu.interruptible}'`);
  if (policy.maxPricePerHour !== undefined) parts.push(`scaling.maxPricePerHour ${policy.maxPricePerHour}`);
  return parts.join(', ');
}

/** `models` ordered by their least edit distance to any of `wanted` (case-insensitive), then by name. */
export function closestFirst(wanted: readonly string[], models: readonly string[]): string[] {
  const score = (m: string): number => Math.min(...wanted.map((w) => editDistance(w.toLowerCase(), m.toLowerCase())));
  return models
    .map((m) => ({ m, d: score(m) }))
    .sort((a, b) => a.d - b.d || (a.m < b.m ? -1 : a.m > b.m ? 1 : 0))
    .map((x) => x.m);
}

/** Levenshtein distance: insertions, deletions and substitutions, each 1. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}
