/**
 * Keep-alive and pre-warming from the workload's own history. When a latency target
 * is shorter than a cold start plus a service time, a fleet that scaled to zero costs
 * SLO, not just latency: the requests of the next return of traffic that arrive
 * before new nodes are up miss. Pure.
 *
 * The published anchor is the hybrid histogram policy of Shahrad et al. ("Serverless
 * in the Wild", USENIX ATC 2020): from the distribution of a function's idle times, a
 * low percentile (the head) says how long to stay unloaded after an invocation before
 * pre-warming, a high one (the tail) how long to stay warm, each with a margin; when
 * the distribution is not representative, a fixed conservative keep-alive applies. Our
 * own version, for rented GPU nodes:
 *
 * 1. The trade. A cold return makes the requests that come within
 *    `coldStart + mean service - target` of it miss (at the rate the last busy
 *    spells peaked at, and at least the first one). The miss budget is `1 - sloTarget`
 *    of the requests of a busy spell (the mean of the last few). Spending at most half
 *    of it on the cold return (the rest is the queueing model's) lets the fleet go to
 *    zero as before; otherwise nodes are kept warm, and that costs their price for the
 *    idle time (`warmPerHour`, and `warmCost` to the end of a bounded keep-alive,
 *    stated beside `coldMisses` in the reason).
 *    When more than the miss budget of requests would miss by their service time
 *    alone (the service-time tail at `sloTarget` exceeds the target), no warmth can
 *    bring the SLO back, and nothing is kept.
 * 2. How many ({@link warmNodes}): the fewest that carry a return like each of the last
 *    few busy spells within the target until it ends or a cold start brings more, and
 *    never more than the arrival stream needed at its peak (M/M/k, no backlog).
 * 3. How long, from the recorded quiet spells (gaps of 6 s or more between arrivals)
 *    that lasted at least the scale-down delay (shorter ones never see a release):
 *    with at least {@link MIN_SPELLS} of them and a coefficient of variation at most
 *    {@link MAX_SPELL_CV}, warm until the spell reaches its 99th percentile plus 10 %
 *    (keep-alive; a bet that the spell is over by then, taken on the pre-warm's terms
 *    below with {@link lateChance}, else the fallback applies); and when its 5th
 *    percentile less 10 % leaves room for a release and a cold start (more than a minimum lease beyond the scale-down delay), release
 *    first and rent again a cold start before it (pre-warm), if the bet is worth it: the
 *    chance that the spell ends before the head ({@link earlyChance}: 1/(n+1) of `n`
 *    spells, or less by Cantelli's bound on nearly equal spells) times the cold
 *    return's misses must fit half the miss budget. When the spells are too
 *    few (none yet, before traffic has come back once) or too irregular to predict,
 *    the paper's fallback applies (the reason says `predicted: false`): a fixed
 *    keep-alive. Before traffic has come back once, 20 minutes (the fixed policy the
 *    paper compares with), shorter for cold starts under 15 s
 *    ({@link FULL_KEEP_ALIVE_COLD_START_MS}): a one-off burst leaves its nodes warm
 *    that long, then the fleet goes. Once traffic has come back (or went on for
 *    longer than that keep-alive: a service, not a one-off), nothing says when it
 *    comes back next, nor that it stopped for good, and the target asked for needs
 *    the nodes warm: they stay until traffic returns
 *    (the reason has no `keepAliveMs`). `scaling.keepAliveMs`, when set, is the
 *    keep-alive in both cases, stretched to the histogram's range (the longest spell
 *    after which traffic did come back, plus 10 %); `keepAliveMs: 0`, or a target of a
 *    cold start or more, scales to zero after the scale-down delay and pays cold
 *    returns; pausing the workload releases warm nodes at once.
 * 4. The return. Traffic back after a quiet spell is not measured yet: the long rate
 *    window still holds the spell, and demand read from it would give back the nodes
 *    kept warm for exactly this return. Those held stay (none are rented for it) until
 *    the return has filled the long window (`kind: 'return'` in the reason).
 *
 * `minNodes` stays the user's floor; this may keep more.
 */
import type { PlannerPolicy, WorkloadObservation } from '../observation.js';
import type { WarmFacts } from '../reason.js';
import type { KeepWarmFacts, PreWarmFacts, ReturnFacts } from '../reason.js';
import { LONG_RATE_WINDOW_MS } from '../trend.js';
import { missShare } from '../slo.js';

/** Spells needed before their percentiles are trusted. */
export const MIN_SPELLS = 4;
/** Spells more irregular than this (standard deviation over mean) are not predicted. */
export const MAX_SPELL_CV = 0.5;
/** Margins on the percentiles: pre-warm 10 % early, keep alive 10 % longer. */
export const HEAD_MARGIN = 0.9;
export const TAIL_MARGIN = 1.1;
/** Busy spells remembered for the warm count and the miss budget. */
export const BUSY_MEMORY = 4;
/**
 * Keep-alive through quiet spells no histogram predicts yet, by default: 20 minutes, the
 * fixed keep-alive Shahrad et al. compare their policy with (`scaling.keepAliveMs`).
 */
export const DEFAULT_KEEP_ALIVE_MS = 20 * 60_000;
/**
 * ...in full from this cold start on, and below it shorter by the square of the ratio:
 * what a cold return costs grows with the cold start twice over (more requests land in
 * it, and each waits longer), what keeping warm costs only with the time kept. GPU
 * nodes take 15 s to minutes to boot and get the whole 20 minutes (a shorter keep-alive
 * lost the first return of on/off traffic quiet for 5 to 20 minutes to a cold start,
 * and its misses took the hour's miss budget); a fleet that boots in a second is kept
 * about 5 s, and one that boots in 5 s a little over 2 minutes.
 */
export const FULL_KEEP_ALIVE_COLD_START_MS = 15_000;

/** One finished busy spell. */
export interface BusySpell {
  requests: number;
  /** Nodes the arrival stream needed at its peak. */
  peakNodes: number;
  /** Its peak arrival rate, per second. */
  peakRate: number;
  /** From its first tick with demand to its last arrival, ms (absent in memory from before it was kept). */
  durationMs?: number;
  /** The mean service time measured when it ended, ms: with `requests` and `durationMs`, the load it brought. */
  serviceMs?: number;
}

/** What the keep-warm step remembers. */
export interface WarmMemory {
  /** The busy spell under way: since when, and the arrival count then. */
  busy?: { since: number; count: number; peakNodes: number; peakRate: number };
  /** The last few finished busy spells, oldest first. */
  recent: readonly BusySpell[];
}

/** What the step decided: nodes to keep (or rent back) for a return of traffic. */
export interface WarmDecision {
  /** Nodes to hold at least (0: none beyond demand). */
  floor: number;
  /** Time of the next check it needs without new input (a pre-warm due), ms. */
  wakeAt: number | undefined;
  facts: WarmFacts | undefined;
  memory: WarmMemory | undefined;
}

/** The inputs of {@link keepWarm}. */
export interface KeepWarmInput {
  w: WorkloadObservation;
  policy: PlannerPolicy;
  /** The demand this tick: idle (nothing queued, no arrival in the short window) and what the stream needs. */
  idle: boolean;
  streamNodes: number;
  arrivalRate: number;
  serviceTimeMs: number;
  /** Hourly price of the best offer (for the stated cost of keeping warm). */
  pricePerHour: () => number;
  now: number;
  tickMs: number;
}

/** Decide the warm floor for this tick; see the module comment. */
export function keepWarm(input: KeepWarmInput): WarmDecision {
  const { w, policy, idle, now } = input;
  const memory = trackBusy(w.memory.warm, input);
  const none: WarmDecision = { floor: 0, wakeAt: undefined, facts: undefined, memory };
  const lastAt = w.lastArrivalAt;
  // The user's opt-out: scale to zero after the scale-down delay, and pay cold returns.
  if (lastAt === undefined || memory === undefined || memory.recent.length === 0 || policy.keepAliveMs === 0) return none;
  const trade = warmTrade(memory.recent, input);
  if (trade === undefined) return none;
  const { nodes, coldMisses, budget } = trade;
  if (!idle) {
    // Traffic is back. Its rate is not measured yet: the long window still holds the quiet
    // spell and reads low, and demand from it would give back the nodes kept warm for
    // exactly this return. Those held (not more) stay until the window holds the return.
    const backForMs = memory.busy === undefined ? 0 : now - memory.busy.since;
    const live = w.nodes.filter((n) => n.state !== 'draining').length;
    const held = Math.min(nodes, live);
    if (backForMs >= LONG_RATE_WINDOW_MS || held === 0) return none;
    const facts: ReturnFacts = { kind: 'return', nodes: held, backForMs, untilMs: LONG_RATE_WINDOW_MS };
    return { floor: held, wakeAt: undefined, facts, memory };
  }
  const idleForMs = Math.max(0, now - lastAt);
  const coldStartMs = Math.max(0, w.coldStartMs);
  const spells = w.idleSpellsMs ?? [];
  const windows = spellWindows(spells, policy.scaleDownDelayMs);
  // Without a histogram to trust (no return seen yet, or spells too few or too irregular),
  // the paper's fallback: a fixed keep-alive, stretched to the histogram's range (the
  // longest spell after which traffic did come back, with the tail margin).
  let longest = 0;
  for (const s of spells) if (s >= policy.scaleDownDelayMs && s > longest) longest = s;
  const busyForMs = memory.recent.reduce((most, s) => Math.max(most, s.durationMs ?? 0), 0);
  // The histogram's keep-alive is a bet too: a spell that outlasts it ends in a cold
  // return. Taken only when its chance ({@link lateChance}) times those misses fits the
  // share of the miss budget a cold return may spend; a handful of spells cannot say
  // that of a return that costs many budgets (a few requests a spell, a long cold start).
  const tail = windows !== undefined && coldMisses * windows.lateChance <= budget / 2 ? windows.keepAliveMs : undefined;
  const keepAliveMs = tail ?? fallbackKeepAlive(policy.keepAliveMs, longest, busyForMs, coldStartMs);
  if (keepAliveMs !== undefined && idleForMs >= keepAliveMs) return none;
  // Pre-warm: released after the scale-down delay, rented again a cold start (and a tick) before the head.
  const rentAt = windows ? windows.headMs - coldStartMs - input.tickMs : -Infinity;
  // A release bets that this spell outlasts the head, and a lost bet is a cold return:
  // taken only when its chance times those misses fits the share of the miss budget a
  // cold return may spend.
  const worthReleasing = windows !== undefined && rentAt - policy.scaleDownDelayMs > minLeaseMs(w) && coldMisses * windows.earlyChance <= budget / 2;
  if (worthReleasing && idleForMs < rentAt) {
    return { floor: 0, wakeAt: lastAt + rentAt, facts: undefined, memory };
  }
  const wakeAt = keepAliveMs === undefined ? undefined : lastAt + keepAliveMs;
  if (worthReleasing) {
    const facts: PreWarmFacts = { kind: 'pre-warm', nodes, idleForMs, returnAfterMs: windows!.headMs, coldStartMs };
    return { floor: nodes, wakeAt, facts, memory };
  }
  const warmPerHour = nodes * input.pricePerHour();
  const facts: KeepWarmFacts = {
    kind: 'keep-warm',
    nodes,
    idleForMs,
    spells: spells.length,
    idleP5Ms: windows?.p5Ms,
    idleP99Ms: windows?.p99Ms,
    warmPerHour,
    coldMisses,
    missBudget: budget,
    predicted: tail !== undefined,
  };
  if (keepAliveMs !== undefined) {
    facts.keepAliveMs = keepAliveMs;
    facts.warmCost = (warmPerHour * (keepAliveMs - idleForMs)) / 3_600_000;
  }
  return { floor: nodes, wakeAt, facts, memory };
}

/**
 * The keep-alive without a histogram to trust, ms; undefined: until traffic returns.
 * The user's `keepAliveMs`, stretched to the longest spell traffic came back after.
 * Unset: a burst shorter than {@link DEFAULT_KEEP_ALIVE_MS} (less for a cold start under
 * {@link FULL_KEEP_ALIVE_COLD_START_MS}) with no return seen yet is kept that long:
 * a one-off burst may be all there is. Traffic that has come back once, or that went
 * on for longer than that keep-alive, is a service, not a one-off: nothing says when it
 * comes back next, nor that it stopped for good, and the target asked for needs the
 * nodes warm, so they stay until it does.
 */
function fallbackKeepAlive(userMs: number | undefined, longestSpellMs: number, busyForMs: number, coldStartMs: number): number | undefined {
  if (userMs !== undefined) return Math.max(userMs, longestSpellMs * TAIL_MARGIN);
  const oneOffMs = DEFAULT_KEEP_ALIVE_MS * Math.min(1, (coldStartMs / FULL_KEEP_ALIVE_COLD_START_MS) ** 2);
  if (longestSpellMs > 0 || busyForMs >= oneOffMs) return undefined;
  return oneOffMs;
}

/**
 * Whether a cold return would cost the SLO, and the nodes to keep warm if so: a request
 * of the usual size that finds no node waits a cold start (the nudge rents at once), so
 * those coming within `coldStart + service - target` of the return miss (the slowest few
 * would miss even so, and the queueing model's budget counts those).
 */
function warmTrade(recent: readonly BusySpell[], input: KeepWarmInput): { nodes: number; coldMisses: number; budget: number } | undefined {
  const { w, policy } = input;
  const coldStartMs = Math.max(0, w.coldStartMs);
  const lateFor = coldStartMs + input.serviceTimeMs - policy.latencyTargetMs;
  if (lateFor <= 0) return undefined;
  // More than the miss budget of requests miss by their own service time alone (the
  // tail quantile is at `sloTarget`): the SLO is out of reach warm or cold, and a warm
  // node would buy none of it back.
  if (w.serviceTimeTailMs !== undefined && w.serviceTimeTailMs > policy.latencyTargetMs) return undefined;
  const peakRate = Math.max(...recent.map((s) => s.peakRate));
  const requests = recent.reduce((sum, s) => sum + s.requests, 0) / recent.length;
  const coldMisses = Math.min(requests, 1 + (peakRate * lateFor) / 1000);
  const budget = missShare(policy.sloTarget) * requests;
  if (coldMisses <= budget / 2) return undefined;
  return { nodes: warmNodes(recent, input.serviceTimeMs, coldStartMs, policy), coldMisses, budget };
}

/**
 * How many nodes to keep warm for a return like the recent busy spells: each needs no
 * more than the stream needed at its peak (M/M/k, no backlog), and no more than the
 * fewest nodes whose queue stays within the target until the return is over or more
 * nodes could be up, whichever comes first (`h`: the spell's length or a cold start). At
 * the spell's mean load `a` (Erlangs) on `k` nodes of `c` slots, the backlog grows by
 * `(a - kc) / S` a second, and a task arriving after `h` waits `(a - kc)·h / kc`: within
 * the wait budget `W` when `kc >= a·h / (W + h)`. A queue that one node absorbs through a
 * short burst is no reason to keep a second one warm all through the quiet spells.
 */
export function warmNodes(recent: readonly BusySpell[], serviceTimeMs: number, coldStartMs: number, policy: PlannerPolicy): number {
  const slots = Math.max(1, policy.concurrencyPerNode);
  let most = 1;
  for (const spell of recent) {
    let need = spell.peakNodes;
    // The spell's own service time (measured as it ended), not today's: its load is what it brought.
    const serviceMs = spell.serviceMs ?? serviceTimeMs;
    const waitMs = policy.latencyTargetMs - serviceMs;
    if (waitMs > 0 && spell.durationMs !== undefined && spell.durationMs > 0) {
      const h = Math.min(coldStartMs, spell.durationMs);
      const load = (spell.requests / spell.durationMs) * serviceMs;
      need = Math.min(need, Math.max(1, Math.ceil((load * h) / ((waitMs + h) * slots) - 1e-9)));
    }
    most = Math.max(most, need);
  }
  return Math.min(policy.maxNodes, most);
}

/**
 * Head (pre-warm) and tail (keep-alive) of the recorded quiet spells, with their
 * margins; undefined when they are too few or too irregular to predict. Only spells
 * of at least `atLeastMs` count: the question is asked once a spell has lasted the
 * scale-down delay, and the pauses of traffic that goes on (a few seconds between
 * requests) say nothing about how long one that got that far will last.
 */
export function spellWindows(all: readonly number[], atLeastMs = 0): SpellWindows | undefined {
  const spells = atLeastMs > 0 ? all.filter((s) => s >= atLeastMs) : all;
  if (spells.length < MIN_SPELLS) return undefined;
  const mean = spells.reduce((a, b) => a + b, 0) / spells.length;
  const sd = Math.sqrt(spells.reduce((a, b) => a + (b - mean) ** 2, 0) / spells.length);
  if (mean <= 0 || sd / mean > MAX_SPELL_CV) return undefined;
  const sorted = [...spells].sort((a, b) => a - b);
  const p5Ms = percentile(sorted, 0.05);
  const p99Ms = percentile(sorted, 0.99);
  const headMs = p5Ms * HEAD_MARGIN;
  const keepAliveMs = p99Ms * TAIL_MARGIN;
  return { headMs, keepAliveMs, p5Ms, p99Ms, earlyChance: earlyChance(spells.length, mean, sd, headMs), lateChance: lateChance(spells.length, mean, sd, keepAliveMs) };
}

/**
 * The chance that the next spell ends before `headMs`, bounded without assuming a
 * shape: of `n` spells, the next is the shortest yet with chance 1/(n+1); and by
 * Cantelli's inequality a spell falls `k` standard deviations below the mean with
 * chance at most 1/(1+k²), which is what lets a clearly periodic workload (spells of
 * nearly equal length) be released and pre-warmed after a few of them.
 */
export function earlyChance(n: number, meanMs: number, sdMs: number, headMs: number): number {
  const rank = 1 / (n + 1);
  if (!(headMs < meanMs)) return rank;
  if (!(sdMs > 0)) return 0;
  const k = (meanMs - headMs) / sdMs;
  return Math.min(rank, 1 / (1 + k * k));
}

/**
 * The chance that the next spell outlasts `keepAliveMs`, bounded the same way as
 * {@link earlyChance}: 1/(n+1) of `n` spells (the next is the longest yet), or, for a
 * keep-alive `k` standard deviations above the mean, at most 1/(1+k²) (Cantelli).
 */
export function lateChance(n: number, meanMs: number, sdMs: number, keepAliveMs: number): number {
  const rank = 1 / (n + 1);
  if (!(keepAliveMs > meanMs)) return rank;
  if (!(sdMs > 0)) return 0;
  const k = (keepAliveMs - meanMs) / sdMs;
  return Math.min(rank, 1 / (1 + k * k));
}

/** The pre-warm and keep-alive windows of trusted quiet spells ({@link spellWindows}). */
export interface SpellWindows {
  /** When to be warm again: the 5th percentile less the margin, ms. */
  headMs: number;
  /** How long to stay warm: the 99th percentile plus the margin, ms. */
  keepAliveMs: number;
  p5Ms: number;
  p99Ms: number;
  /** Chance that the next spell ends before `headMs` ({@link earlyChance}). */
  earlyChance: number;
  /** Chance that the next spell outlasts `keepAliveMs` ({@link lateChance}). */
  lateChance: number;
}

/** Linear-interpolated quantile of an ascending list. */
function percentile(sorted: readonly number[], q: number): number {
  const x = q * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
}

function minLeaseMs(w: WorkloadObservation): number {
  let most = 60_000;
  for (const n of w.nodes) most = Math.max(most, n.minLeaseSec * 1000);
  return most;
}

/**
 * Busy spells: one starts with demand after a quiet spell and ends once the workload
 * has been idle for the scale-down delay (when the fleet would start to go); its
 * requests, and the rate and stream nodes at its peak, are remembered.
 */
function trackBusy(memory: WarmMemory | undefined, input: KeepWarmInput): WarmMemory | undefined {
  const { w, policy, idle, now } = input;
  const count = w.arrivalCount;
  if (count === undefined) return memory;
  const recent = memory?.recent ?? [];
  const busy = memory?.busy;
  if (!idle) {
    if (busy === undefined) return { busy: { since: now, count, peakNodes: input.streamNodes, peakRate: input.arrivalRate }, recent };
    if (input.streamNodes <= busy.peakNodes && input.arrivalRate <= busy.peakRate) return memory;
    return { busy: { since: busy.since, count: busy.count, peakNodes: Math.max(busy.peakNodes, input.streamNodes), peakRate: Math.max(busy.peakRate, input.arrivalRate) }, recent };
  }
  if (busy === undefined) return memory;
  const quietFor = w.lastArrivalAt === undefined ? Infinity : now - w.lastArrivalAt;
  if (quietFor < Math.max(policy.scaleDownDelayMs, input.tickMs)) return memory;
  const durationMs = Math.max(input.tickMs, (w.lastArrivalAt ?? now) - busy.since);
  const done: BusySpell = { requests: Math.max(1, count - busy.count), peakNodes: busy.peakNodes, peakRate: busy.peakRate, durationMs, serviceMs: input.serviceTimeMs };
  return { recent: [...recent, done].slice(-BUSY_MEMORY) };
}
