/**
 * Quiet spells between arrivals: the gaps that a workload's traffic leaves, for the
 * planner's keep-alive and pre-warm windows (controller/steps/keep-warm.ts). Only
 * gaps of at least {@link MIN_IDLE_SPELL_MS} count (shorter ones never let demand go
 * idle); the last {@link IDLE_SPELL_MEMORY} are kept, oldest first. O(1) per arrival.
 */

/** Gaps shorter than this are no quiet spell: the planner's short window still sees arrivals. */
export const MIN_IDLE_SPELL_MS = 6_000;
/** Spells remembered. */
export const IDLE_SPELL_MEMORY = 64;

/** Arrival count, last arrival time and recent quiet spells of one workload. */
export class IdleSpells {
  /** Arrivals recorded. */
  count = 0;
  /** Clock time of the latest arrival (undefined before the first). */
  lastAt: number | undefined;
  private readonly ring = new Float64Array(IDLE_SPELL_MEMORY);
  private size = 0;
  private head = 0;
  private cache: number[] | undefined;

  /** An arrival at `nowMs`. */
  record(nowMs: number): void {
    if (this.lastAt !== undefined && nowMs - this.lastAt >= MIN_IDLE_SPELL_MS) {
      this.ring[this.head] = nowMs - this.lastAt;
      this.head = (this.head + 1) % IDLE_SPELL_MEMORY;
      this.size = Math.min(IDLE_SPELL_MEMORY, this.size + 1);
      this.cache = undefined;
    }
    this.count++;
    this.lastAt = this.lastAt === undefined ? nowMs : Math.max(this.lastAt, nowMs);
  }

  /** The remembered spells, oldest first, ms (the same array until the next spell ends). */
  spells(): readonly number[] {
    if (this.cache) return this.cache;
    const out: number[] = [];
    const start = (this.head - this.size + IDLE_SPELL_MEMORY) % IDLE_SPELL_MEMORY;
    for (let i = 0; i < this.size; i++) out.push(this.ring[(start + i) % IDLE_SPELL_MEMORY]!);
    this.cache = out;
    return out;
  }
}
