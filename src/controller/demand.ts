/**
 * How many nodes a workload's demand needs, before min/max and budget. Pure.
 *
 * 1. Arrivals. The rate is the long (60 s) window's, raised to the short (6 s)
 *    window's only by as much as Poisson noise cannot explain (its lower 2σ bound),
 *    so that a burst counts within a tick and chance does not rent nodes; the
 *    burst is projected to last as long as it has been seen (one short window),
 *    the long rate for the rest of the look-ahead. A rising
 *    trend (the slope of the long rate over the last two minutes, remembered in the
 *    planner's memory) is carried forward: capacity asked for now arrives after a
 *    cold start, so it is sized for the rate it will meet then. Carried forward no
 *    further than it was seen, though: over a cold start of minutes, a slope read
 *    over half a minute would otherwise predict many times the rate. Both windows
 *    are read over the part of them that arrivals were seen in (see
 *    {@link arrivalsSeenMs}), as far as noise cannot explain it: seconds into a
 *    return of traffic, a minute's window still holds the quiet before it.
 * 2. Randomness. Fluid arithmetic ignores it; the M/M/k tail does not (with its waits
 *    stretched for arrivals burstier than Poisson, mmk-tail.ts). The fewest
 *    slots k at which, at offered load a = λ·S (Erlang C), at most 1 % of tasks
 *    would wait past their budget say how many slots beyond the mean load are
 *    needed; that headroom is held back from every fleet below. A task's budget is
 *    the target less its own service time: the recent service times, in 20 equal
 *    shares, give 20 budgets, and a long task, which can afford less waiting, counts.
 * 3. The queue over time (cold-start look-ahead, see projection.ts). The backlog is
 *    projected under each candidate fleet: ready nodes now, provisioning nodes
 *    when they become ready, new ones one cold start from now. A fleet is enough
 *    when no task arriving in the look-ahead window would wait longer than the
 *    budget W = latencyTarget − S less a margin for what the rate forecast gets
 *    wrong (twice its recent relative error times the cold start, at most W/2;
 *    the error is taken as whole before any record, then as half until scored
 *    forecasts show otherwise: see forecast.ts), nor longer than
 *    the budget of the longest share (a backlog delays every task alike);
 *    right after new capacity arrives, the backlog that built up during its cold
 *    start may take longer to clear: up to what its tasks have left of W after
 *    waiting out the cold start (never less than the steady allowance), or, when
 *    the cold start alone exceeds W, up to another cold start (a node that
 *    arrives after the queue is gone was wasted). Capacity cannot help before it
 *    arrives, so the window opens one cold start from now. Two windows: `nodesUp`
 *    must hold for a short one (a quarter of a cold start, at least two ticks:
 *    what to rent now, since the next tick can still act), `nodes` for one longer
 *    by half a cold start (what to keep). Between the two the fleet holds still, so a node given
 *    back is not needed again before it would have paid for its successor's cold
 *    start. Because the projection counts the queue as a buffer, a fleet may run
 *    just under the mean load while the backlog stays within budget, and catch up
 *    when the projection says so: no whole node is paid for a fraction of one.
 * 4. Tasks in flight hold their slots: never fewer slots than tasks in flight.
 * 5. Evidence. A fleet that is all up grows only when the load it cannot carry is
 *    more than the estimates' noise, or the queue already waits and would not drain
 *    before a new node could serve (rent-evidence.ts): near a whole number of nodes,
 *    noise alone would rent a node at every peak.
 *
 * Unknown service time: S = latencyTarget / 2, and while ready nodes run tasks (whose
 * completions will soon measure it) the fleet at most doubles on that guess.
 *
 * No queued task and no arrival in the short window: demand is zero (scale to zero can
 * start), even while tasks still run. Their nodes do not need new capacity kept for
 * them: once the scale-down delay has passed, a drained node finishes its tasks and is
 * released as the last one ends, and is taken back into service if work comes first.
 * Counting them as demand would hold every node idle for the whole delay after its
 * last long task, and pay for that on every quiet spell.
 */
import type { NodeView, PlannerPolicy, WorkloadObservation } from './observation.js';
import { fewestNodes, type ProjectionInput } from './projection.js';
import { forecastError, type PendingForecast } from './forecast.js';
import { curvedRise, LONG_RATE_WINDOW_MS, rateLevel, rateSlope, rateSpan, recentRates, slopeNoise, TREND_SPAN_MS } from './trend.js';
import { CURVE_SIGMAS, rentWithinNoise } from './rent-evidence.js';
import { nodesForMeasuredRise } from './rise-keep.js';
import type { RiseKeepFacts } from './reason.js';
import { missShare } from './slo.js';
import { arrivalVariability, MIN_SERVICE_MS, slotsForLatency } from './mmk-tail.js';

export { MODEL_LATE_SHARE, slotsForLatency } from './mmk-tail.js';

/**
 * The most of the wait budget held back from the projected backlog for what the rate
 * forecast may get wrong (the rest of what is held back is the M/M/k headroom).
 */
export const MAX_FORECAST_MARGIN_SHARE = 0.5;

/** Standard deviations of the forecast's recent relative error held back (see forecast.ts). */
export const FORECAST_SIGMAS = 2;

const EPSILON = 1e-9;
// Poisson noise allowance on the short window (standard deviations).
const BURST_SIGMAS = 2;
// The short window the observation's `arrivalRateShort` covers, seconds.
const SHORT_WINDOW_SEC = 6;
// The long window lags the rate by half its length; the trend is read from there.
const LONG_WINDOW_LAG_MS = 30_000;
// Nodes searched beyond maxNodes, to report what demand would need.
const SEARCH_CAP = 100_000;

/** The demand estimate of one workload at one tick. */
export interface DemandEstimate {
  /** Nodes demand needs over the keep window (not yet clamped): fewer than live means low demand. */
  nodes: number;
  /** Nodes needed over the short window: fewer than this live means rent now. */
  nodesUp: number;
  /** No new demand: nothing queued, no arrival in the short window (tasks may still run). */
  idle: boolean;
  /** Arrival rate used (tasks/s), trend not included. */
  arrivalRate: number;
  /** Service time used (ms). */
  serviceTimeMs: number;
  /** The service time was not measured yet and was assumed. */
  serviceTimeAssumed: boolean;
  /** Slots the M/M/k tail asks for at the predicted load. */
  arrivalSlots: number;
  /** Slots beyond those the current queue asks for. */
  backlogSlots: number;
  /** The rate expected when capacity rented now arrives, to be scored then (see forecast.ts). */
  forecast: PendingForecast | undefined;
  /**
   * With no node at all, how much longer renting the first one can wait while the work
   * still meets its budget (ms; set only when it waits: `nodes` and `nodesUp` are then 0).
   */
  firstNodeCanWaitMs?: number;
  /**
   * Set when a rent was held back as within the estimates' noise (rent-evidence.ts):
   * the nodes the estimate asked for, the load the planner cannot rule out, and the
   * slots that load needs (no more than the fleet has). `nodesUp` is then the live count.
   */
  heldBack?: { nodes: number; lowLoad: number; slots: number };
  /**
   * Set when `nodes` was raised to keep live nodes that a measured rise asks for again
   * within a cold start (rise-keep.ts): what demand needs now, and the rise.
   */
  riseKeep?: RiseKeepFacts;
}

/**
 * Arrivals per second that noise cannot explain: the long rate, or the short one's
 * lower 2σ bound (`short` counted over `shortSec` seconds).
 */
export function robustRate(short: number, long: number, shortSec = SHORT_WINDOW_SEC): number {
  const count = Math.max(0, short) * shortSec;
  const lowerBound = (count - BURST_SIGMAS * Math.sqrt(count)) / shortSec;
  return Math.max(0, long, lowerBound);
}

/**
 * How long arrivals have been coming, ms: since the streak began (the long window
 * last empty), and no longer than they have been counted at all; at least a tick.
 * Unknown (Infinity) at a streak's first tick, or when the window was never seen
 * empty before it: the windows are taken as they read.
 * A rate window longer than that also holds the quiet before them and reads low by
 * the ratio: a return of traffic at 6/s, three seconds in, reads 0.3/s on a minute's
 * window, and the nodes rented for that would come in one by one, a tick apart.
 */
export function arrivalsSeenMs(workload: WorkloadObservation, now: number, tickMs: number): number {
  // A streak is dated only once the window was seen empty before it: traffic that was
  // already coming at the planner's first tick began who knows when. At a streak's first
  // tick there is no span to go by yet.
  const since = workload.memory.quietAt === undefined ? undefined : workload.memory.arrivingSince;
  const streak = since === undefined ? Infinity : now - since;
  return Math.max(tickMs, Math.min(streak, workload.observedForMs ?? Infinity));
}

/**
 * A rate counted over `windowMs`, as a rate over the part of it that arrivals were seen
 * in, as far as noise cannot explain it (the lower 2σ bound of the count, as for a
 * burst): a lone request after a quiet spell is no rate of one a second.
 */
function overSeen(rate: number, windowMs: number, seenMs: number): number {
  if (seenMs >= windowMs) return rate;
  const count = (Math.max(0, rate) * windowMs) / 1000;
  return Math.max(rate, ((count - BURST_SIGMAS * Math.sqrt(count)) * 1000) / seenMs);
}

/**
 * Nodes the workload's demand needs at `now` (the tick's clock time, which dates the
 * provisioning nodes); see the module comment for the model.
 */
export function estimateDemand(workload: WorkloadObservation, policy: PlannerPolicy, tickMs: number, now = 0): DemandEstimate {
  const serviceTimeAssumed = workload.serviceTimeMs === undefined;
  const serviceTimeMs = Math.max(workload.serviceTimeMs ?? policy.latencyTargetMs / 2, MIN_SERVICE_MS);
  const queued = Math.max(0, workload.queued);
  const inFlight = Math.max(0, workload.inFlight);
  const idle = queued === 0 && !(workload.arrivalRateShort > 0);
  const seenMs = arrivalsSeenMs(workload, now, tickMs);
  const shortMs = SHORT_WINDOW_SEC * 1000;
  const longRate = overSeen(workload.arrivalRateLong, LONG_RATE_WINDOW_MS, seenMs);
  const shortSeenMs = Math.min(shortMs, seenMs);
  // The short window's rate over the part of it arrivals were seen in.
  const shortRate = (workload.arrivalRateShort * shortMs) / shortSeenMs;
  const arrivalRate = idle ? 0 : robustRate(shortRate, longRate, shortSeenMs / 1000);
  if (idle) return { nodes: 0, nodesUp: 0, idle, arrivalRate, serviceTimeMs, serviceTimeAssumed, arrivalSlots: 0, backlogSlots: 0, forecast: undefined };

  const concurrency = Math.max(1, policy.concurrencyPerNode);
  const maxSlots = policy.maxNodes * concurrency;
  const waitBudgetMs = Math.max(0, policy.latencyTargetMs - serviceTimeMs);
  // What each share of tasks may wait: the target less its own service time. A long
  // task has less of it left than the mean one; with heavy-tailed service times and a
  // target near them, the mean alone would let the long ones miss.
  const spread = workload.serviceTimeSpreadMs;
  const shareBudgetsMs = spread !== undefined && spread.length > 0 ? spread.map((ms) => policy.latencyTargetMs - ms) : [waitBudgetMs];
  const coldStartMs = Math.max(0, workload.coldStartMs);
  const newNodeAt = coldStartMs;
  // A trend seen over a span is carried forward no further than that span: the rise it
  // predicts by the time new nodes arrive is at most what it rose over the span.
  const reach = LONG_WINDOW_LAG_MS + newNodeAt;
  const trend = recentRates(workload.memory.rates, TREND_SPAN_MS);
  const seen = Math.min(1, rateSpan(trend) / Math.max(reach, 1));
  const slope = (Math.max(0, rateSlope(trend)) / 1000) * seen; // per ms, per ms
  const sustained = Math.max(0, Math.min(arrivalRate, longRate));
  const rateAtNewNodes = arrivalRate / 1000 + slope * (LONG_WINDOW_LAG_MS + newNodeAt);
  const load = rateAtNewNodes * serviceTimeMs;
  // Bursty arrivals wait longer than Poisson ones at the same load (mmk-tail.ts): the
  // tail is read with budgets shrunk by how much longer.
  const variability = arrivalVariability(workload.arrivalDispersion, spread);
  const tailBudgetsMs = variability === 1 ? shareBudgetsMs : shareBudgetsMs.map((ms) => ms / variability);
  const arrivalSlots = slotsForLatency(load, tailBudgetsMs, serviceTimeMs, maxSlots, missShare(policy.sloTarget));

  const live = workload.nodes.filter((n) => n.state !== 'draining');
  const ready = live.filter((n) => n.state === 'ready').length;
  const inFlightLive = inFlight - drainingInFlight(workload.nodes);
  const projection: ProjectionInput = {
    now: 0, // the projection runs in offsets from this tick
    backlog: Math.max(0, queued + Math.max(0, inFlightLive) - ready * concurrency),
    // A burst (the short window above the long one) is projected for as long as it has been
    // seen, not for minutes: if it goes on, the queue and the long window will say so.
    rate: sustained / 1000 + slope * LONG_WINDOW_LAG_MS,
    burst: (arrivalRate - sustained) / 1000,
    burstUntil: SHORT_WINDOW_SEC * 1000,
    slope,
    serviceMs: serviceTimeMs,
    slotsPerNode: concurrency,
    headroomSlots: Math.max(0, arrivalSlots - load),
    readyNodes: ready,
    provisioningAt: provisioningReadyTimes(live, now, coldStartMs, tickMs),
    newNodeAt,
  };
  // What the forecast may get wrong is held back from the budget: a rate above the forecast
  // by a share e builds a backlog of about e times the cold start before new capacity can
  // make up for it. A backlog delays every task alike, so it must also leave the longest
  // share of tasks its own budget.
  const error = forecastError(workload.memory.forecast) ?? 1;
  const forecastMargin = Math.min(waitBudgetMs * MAX_FORECAST_MARGIN_SHARE, FORECAST_SIGMAS * error * coldStartMs);
  const steadyMs = Math.max(0, Math.min(waitBudgetMs - forecastMargin, shareBudgetsMs[shareBudgetsMs.length - 1]!));
  const budget = { steadyMs, clearMs: clearAllowance(waitBudgetMs, steadyMs, newNodeAt, tickMs), clearFrom: newNodeAt };
  const upWindow = Math.max(2 * tickMs, coldStartMs / 4);
  const keepWindow = upWindow + coldStartMs / 2;
  const floor = Math.max(1, Math.ceil(Math.max(0, inFlightLive) / concurrency - EPSILON));
  const cap = Math.max(SEARCH_CAP, policy.maxNodes);
  const guess = Math.max(live.length, Math.ceil(arrivalSlots / concurrency - EPSILON));
  // An assumed service time may start a fleet but not multiply one: while ready nodes
  // run tasks, their first completions are a tick or two away and will say how long a
  // task takes; until then the fleet may grow to at most twice the ready nodes.
  const limit = serviceTimeAssumed && ready > 0 && inFlightLive > 0 ? Math.max(floor, 2 * ready) : Infinity;
  // Sparse work that one node carries gets one node: the stream needs no more slots than
  // a node has (the M/M/k tail above), and every task waiting or running has a slot on it
  // at once. The projection holds the M/M/k headroom back from every fleet, and for a few
  // tasks a minute that headroom is almost a whole slot: one node would look unable to
  // clear even one task, and a single run() would rent two or three.
  const oneNodeCarries = arrivalSlots <= concurrency && queued + Math.max(0, inFlightLive) <= concurrency;
  let nodesUp = oneNodeCarries ? 1 : Math.min(limit, fewestNodes(projection, budget, newNodeAt, newNodeAt + upWindow, floor, cap, live.length, guess));
  // A fleet that is all up grows only on evidence: a rent within the noise of the
  // estimates waits for the next tick (rent-evidence.ts).
  let heldBack: DemandEstimate['heldBack'];
  if (nodesUp > live.length && ready === live.length && ready > 0) {
    const history = workload.memory.rates;
    const hold = rentWithinNoise({
      nodes: ready,
      slotsPerNode: concurrency,
      longRate,
      longWindowMs: Math.min(LONG_RATE_WINDOW_MS, seenMs),
      slope: rateSlope(history),
      slopeNoise: slopeNoise(history),
      slopeSeen: Math.min(1, rateSpan(history) / Math.max(reach, 1)),
      reachMs: reach,
      serviceMs: serviceTimeMs,
      shareBudgetsMs: tailBudgetsMs,
      missShare: missShare(policy.sloTarget),
      recentRate: shortRate,
      tenMinuteRate: rateLevel(history),
      completionRate: workload.completionRateLong,
      targetWaitMs: waitBudgetMs,
      tickMs,
      coldStartMs,
      oldestQueuedMs: Math.max(0, workload.oldestQueuedMs),
      backlog: projection.backlog,
      waitBudgetMs: steadyMs,
      dispersion: workload.arrivalDispersion,
      curvedRise: curvedRise(history, reach, CURVE_SIGMAS, workload.arrivalDispersion),
    });
    if (hold !== undefined) {
      heldBack = { nodes: nodesUp, ...hold };
      nodesUp = live.length;
    }
  }
  let nodes = oneNodeCarries ? 1 : Math.min(limit, Math.max(nodesUp, fewestNodes(projection, budget, newNodeAt, newNodeAt + keepWindow, floor, cap, live.length, nodesUp)));
  // A fleet above demand keeps what a measured rise takes back within a cold start (rise-keep.ts).
  let riseKeep: RiseKeepFacts | undefined;
  if (nodes < live.length) {
    const rise = nodesForMeasuredRise({
      samples: workload.memory.rates,
      longRate,
      dispersion: workload.arrivalDispersion,
      reachMs: reach,
      serviceMs: serviceTimeMs,
      shareBudgetsMs: tailBudgetsMs,
      missShare: missShare(policy.sloTarget),
      slotsPerNode: concurrency,
      maxSlots,
    });
    if (rise !== undefined && rise.nodes > nodes) {
      riseKeep = { kind: 'rise-keep', nodes: Math.min(live.length, rise.nodes), needsNow: nodes, risePerSec: rise.risePerSec, reachMs: reach };
      nodes = riseKeep.nodes;
    }
  }
  const backlogSlots = Math.max(0, nodes * concurrency - Math.max(arrivalSlots, inFlightLive));
  // The forecast is of the rate at newNodeAt; the long window, which lags by half its
  // length, is centred on that time half a window later: scored then.
  const forecast = { due: now + LONG_WINDOW_LAG_MS + newNodeAt, rate: rateAtNewNodes * 1000 };
  const canWaitMs = nodes <= 1 && workload.nodes.length === 0 ? firstNodeSlackMs(workload.oldestQueuedMs, coldStartMs, tickMs, firstTaskBudgetMs(policy.latencyTargetMs, workload.serviceTimeTailMs, steadyMs), { queued, ratePerMs: arrivalRate / 1000, serviceMs: serviceTimeMs, slots: concurrency }) : 0;
  if (canWaitMs > 0) {
    return { nodes: 0, nodesUp: 0, idle, arrivalRate, serviceTimeMs, serviceTimeAssumed, arrivalSlots, backlogSlots: 0, forecast, firstNodeCanWaitMs: canWaitMs };
  }
  // Listed, not spread: this runs every tick and object spread is the slow path.
  const estimate: DemandEstimate = { nodes, nodesUp, idle, arrivalRate, serviceTimeMs, serviceTimeAssumed, arrivalSlots, backlogSlots, forecast };
  if (heldBack !== undefined) estimate.heldBack = heldBack;
  if (riseKeep !== undefined) estimate.riseKeep = riseKeep;
  return estimate;
}

/**
 * Scale from zero, when one node is all the work needs: how much longer renting it can
 * wait (0: rent now). The oldest task has waited `oldestQueuedMs`; a node rented at the
 * next tick takes work a cold start after that, and the task may wait `budgetMs` in
 * all (see {@link firstTaskBudgetMs}). A latency target longer than a cold start plus
 * a long task is slack the planner spends: tasks that arrive meanwhile share the node,
 * and sparse traffic pays one cold start for several of them instead of one each.
 */
export function firstNodeSlackMs(oldestQueuedMs: number, coldStartMs: number, tickMs: number, budgetMs: number, backlog?: FirstNodeBacklog): number {
  const plain = budgetMs - (Math.max(0, oldestQueuedMs) + tickMs + coldStartMs);
  if (backlog === undefined) return Math.max(0, plain);
  // The node also has to work off what is waiting when it comes: beyond its slots, the
  // backlog queues behind them. Every ms of waiting adds arrivals to that backlog, so
  // the slack shrinks by (1 + rate · S / slots) per ms waited. A backlog that one node
  // cannot clear within the budget is no reason to wait: rent now.
  const { queued, ratePerMs, serviceMs, slots } = backlog;
  const atArrival = Math.max(0, queued) + Math.max(0, ratePerMs) * (tickMs + coldStartMs);
  const clearMs = (Math.max(0, atArrival - slots) * serviceMs) / slots;
  return Math.max(0, (plain - clearMs) / (1 + (Math.max(0, ratePerMs) * serviceMs) / slots));
}

/** What waits for the first node: its queue, the arrival rate (per ms), the service time and the node's slots. */
export interface FirstNodeBacklog {
  queued: number;
  ratePerMs: number;
  serviceMs: number;
  slots: number;
}

/**
 * What the oldest task may wait for the first node: what the target leaves after all
 * but the slowest 1 % of recent service times (`tailMs`; the share the queueing model
 * lets be late too), or the budget every queued task has (`steadyMs`) if that is more.
 * The forecast margin inside `steadyMs` is not needed here: it covers a backlog that
 * more arrivals than forecast would build, and the fleet of one node this applies to
 * was sized with it. Without a measured tail, `steadyMs`.
 */
export function firstTaskBudgetMs(latencyTargetMs: number, tailMs: number | undefined, steadyMs: number): number {
  return tailMs === undefined ? steadyMs : Math.max(steadyMs, latencyTargetMs - tailMs);
}

/**
 * How long the backlog built up during a cold start may take to clear once new
 * nodes are there. A task queued now has waited `newNodeAt` by then: when that
 * leaves some of its wait budget, the backlog must clear within what is left (but
 * need not beat the steady allowance), so that a burst still meets its target.
 * When the cold start alone exceeds the budget, those tasks miss it whatever is
 * rented; clearing them within one more cold start is enough (a node that arrives
 * after the queue is gone was wasted). Never less than a tick: the loop cannot
 * react faster.
 */
function clearAllowance(waitBudgetMs: number, steadyMs: number, newNodeAt: number, tickMs: number): number {
  const left = waitBudgetMs - newNodeAt;
  return Math.max(steadyMs, tickMs, left >= 0 ? Math.min(newNodeAt, left) : newNodeAt);
}

function drainingInFlight(nodes: readonly NodeView[]): number {
  let n = 0;
  for (const node of nodes) if (node.state === 'draining') n += node.inFlight;
  return n;
}

/** Expected ready times of nodes not ready yet, as offsets from `now`, ascending; late ones are due by the next tick. */
function provisioningReadyTimes(live: readonly NodeView[], now: number, coldStartMs: number, tickMs: number): number[] {
  const times: number[] = [];
  for (const n of live) {
    if (n.state === 'ready') continue;
    const due = n.requestedAt + coldStartMs - now;
    times.push(due > 0 ? due : Math.min(tickMs, coldStartMs));
  }
  return times.sort((a, b) => a - b);
}
