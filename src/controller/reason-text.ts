/**
 * The planner's structured reasons as one line of text, for the `scale` event's
 * `reason`, logs and `compute.metrics()`. The only place that words them.
 */
import { formatRate } from '../util/money.js';
import { fmt } from './budget-guard.js';
import type { AddGroup, BudgetRelease, LowDemandFacts, MissBudgetFacts, NeedFacts, PlanReason, RiseKeepFacts, Shortfall, StepReason, WarmFacts } from './reason.js';

/** One line: what the planner saw and why it acted. */
export function renderReason(reason: PlanReason): string {
  const step = renderStep(reason.step);
  let out = reason.budget ? `${renderBudget(reason.budget)}; ${step}` : step;
  if (reason.releasedDrained > 0) out += `; release ${reason.releasedDrained} drained`;
  if (reason.slo !== undefined && reason.slo.mode !== 'hold') out += `; ${renderMissBudget(reason.slo)}`;
  return out;
}

function renderMissBudget(slo: MissBudgetFacts): string {
  const measured = `${share(slo.attainment)} of ${slo.requests} within target over ${seconds(slo.windowMs)}`;
  const planned = `planning for ${share(slo.plannedMissShare)} misses`;
  return slo.mode === 'tighten' ? `SLO ${share(slo.sloTarget)} missed (${measured}): ${planned}` : `SLO budget left (${measured}): ${planned}`;
}

function renderStep(step: StepReason): string {
  switch (step.kind) {
    case 'no-policy':
      return 'no policy for this workload: holding';
    case 'paused':
      return `paused: drain ${step.drain}`;
    case 'scale-up':
      return renderUp(step);
    case 'hold': {
      const what = renderLow(step.low);
      const text =
        step.low.forMs >= step.delayMs
          ? `${what}: holding ${step.low.live} while ${step.provisioning} provisioning`
          : `${what} of ${seconds(step.delayMs)} scale-down delay: holding ${step.low.live}`;
      return withRise(withWarm(text, step.warm), step.rise);
    }
    case 'scale-down': {
      const what = renderLow(step.low);
      const parts = [step.maxNodes !== undefined ? `above maxNodes ${step.maxNodes}: drain ${step.drained}` : `${what}: drain ${step.drained} (increments end soonest)`];
      if (step.drained === 0) parts[0] = what;
      if (step.kept > 0) parts.push(`keep ${step.kept} serving (paid for ${seconds(step.paidLeftMs)} more)`);
      return withRise(withWarm(parts.join(step.drained === 0 ? ': ' : ', '), step.warm), step.rise);
    }
  }
}

function renderUp(step: Extract<StepReason, { kind: 'scale-up' }>): string {
  const { load, fleet } = step;
  const loadText = `queue ${load.queued}${load.arrivalRate > 0 ? `, ${load.arrivalRate.toFixed(1)}/s` : ''}${load.inFlight > 0 ? `, ${load.inFlight} in flight` : ''}`;
  let text = `${loadText}, ${fleet.ready} ready + ${fleet.provisioning} provisioning, ${renderNeed(step.need)}`;
  const acts = step.restored > 0 ? [`take back ${step.restored} draining`] : [];
  if (step.adds.length > 0) acts.push(renderAdds(step.adds));
  if (acts.length > 0) text += `: ${acts.join(', ')}`;
  const current = fleet.ready + fleet.provisioning;
  if (step.holding !== undefined) {
    text += step.shortfall?.kind === 'budget' ? `; ${renderShortfall(step.shortfall)}, holding at ${step.holding}` : `; no eligible offer available, holding at ${step.holding}`;
    if (step.tradeDownPricePerHour !== undefined) text += `; give back a node at ${formatRate(step.tradeDownPricePerHour)} to rent cheaper ones within the cap`;
  } else if (step.replace !== undefined) {
    text = `steady at ${current}: ${text} to replace ${step.replace.count === 1 ? 'a node' : `${step.replace.count} nodes`} at ${formatRate(step.replace.pricePerHour)}`;
  } else if (step.steady) {
    text = `steady at ${current}: ${text}`;
  }
  return withRise(withWarm(text, step.warm), step.rise);
}

function renderNeed(need: NeedFacts): string {
  const slo = `${share(need.sloTarget)} within ${need.latencyTargetMs} ms`;
  if (need.kind === 'first-node-wait') return `the first node can wait ${seconds(need.canWaitMs)} more for ${slo}`;
  const held = need.heldBack === undefined ? '' : ` (the estimate asked for ${need.heldBack.nodes}, within its noise: ${need.heldBack.lowLoad.toFixed(1)} busy slots cannot be ruled out, and they need ${need.heldBack.slots})`;
  return `need ${need.nodes}${need.nodes > need.maxNodes ? ` (max ${need.maxNodes})` : ''} for ${slo}${held}`;
}

function share(s: number): string {
  return `${Number((s * 100).toPrecision(4))} %`;
}

function renderLow(low: LowDemandFacts): string {
  if (low.kind === 'finishing') return `no new work ${seconds(low.forMs)} (${low.inFlight} finishing)`;
  if (low.kind === 'idle') return `idle ${seconds(low.forMs)}`;
  return `demand needs ${low.needs} of ${low.live} for ${seconds(low.forMs)}`;
}

function renderWarm(warm: WarmFacts): string {
  if (warm.kind === 'return') return `hold the ${warm.nodes} kept warm (traffic back ${seconds(warm.backForMs)}, its rate measured after ${seconds(warm.untilMs)})`;
  if (warm.kind === 'pre-warm') {
    return `pre-warm ${warm.nodes} (traffic expected back ${seconds(warm.returnAfterMs)} into a quiet spell, ${seconds(warm.idleForMs)} so far; cold start ${seconds(warm.coldStartMs)})`;
  }
  const spread = warm.idleP99Ms !== undefined ? `, idle p5 ${seconds(warm.idleP5Ms ?? 0)} p99 ${seconds(warm.idleP99Ms)} over ${warm.spells} spells` : '';
  const until = warm.keepAliveMs === undefined ? 'traffic returns' : `${seconds(warm.keepAliveMs)} idle${warm.predicted ? '' : ' (no pattern of quiet spells yet: the fixed keep-alive)'}`;
  return `keep ${warm.nodes} warm until ${until}${spread}`;
}

function withRise(text: string, rise: RiseKeepFacts | undefined): string {
  if (rise === undefined) return text;
  return `${text}; keep ${rise.nodes} (demand now needs ${rise.needsNow}) for a measured rise of ${rise.risePerSec.toFixed(2)}/s within ${seconds(rise.reachMs)}`;
}

function withWarm(text: string, warm: WarmFacts | undefined): string {
  return warm === undefined ? text : `${text}; ${renderWarm(warm)}`;
}

function renderAdds(adds: readonly AddGroup[]): string {
  return adds
    .map((g) => `+${g.count} ${g.model}${g.gpuCount > 1 ? ` x${g.gpuCount}` : ''}${g.spot ? ' spot' : ''} @ ${price(g)}`)
    .join(', ');
}

function price(g: AddGroup): string {
  return formatRate(g.pricePerHour, g.currency);
}

function renderShortfall(s: Extract<Shortfall, { kind: 'budget' }>): string {
  return `budget: ${s.scope === 'workload' ? 'workload ' : ''}${s.cap} ${fmt(s.limit)} reached`;
}

function renderBudget(b: BudgetRelease): string {
  const label = b.scope === 'workload' ? 'workload ' : '';
  const what = b.cap === 'maxPerHour' ? `${label}maxPerHour ${fmt(b.limit)} exceeded` : `${label}total cap (next increments would pass ${fmt(b.limit)})`;
  return `budget: ${what}: release ${b.count}`;
}

/** A duration as the reason line shows it: seconds, minutes or hours. */
export function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}
