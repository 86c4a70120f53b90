/**
 * `--tune-baselines`: an autoscaler at its published defaults is a weak opponent
 * when those defaults do not suit the trace. Each one is also run over a grid of its
 * main target knob (0.25x to 2x its per-node target) and of its floor (`minNodes` 0
 * and 1), and the report keeps, per autoscaler, the cheapest setting that met the
 * SLO: what a user who tuned it on this very trace, in hindsight, would have run.
 */
import type { PolicyResult } from '../results.js';
import type { BaselineName } from './index.js';

/** The autoscalers with a target knob to tune (the fixed fleets have none). */
export const TUNABLE_BASELINES = ['hpa', 'kpa', 'ray-serve', 'keda', 'skyserve'] as const satisfies readonly BaselineName[];

/** Multiples of the default per-node target tried. */
export const TARGET_FACTORS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2] as const;

/** One point of the grid. */
export interface Tuning {
  /** Multiple of the autoscaler's default per-node target. */
  targetFactor: number;
  /** Its floor of nodes. */
  minNodes: number;
}

/** Whether `name` has a knob to tune. */
export function isTunable(name: string): name is (typeof TUNABLE_BASELINES)[number] {
  return (TUNABLE_BASELINES as readonly string[]).includes(name);
}

/**
 * The grid for one autoscaler: every target factor with a floor of 0 and 1 node
 * (never below the policy's own `minNodes`), less the default point (factor 1 at the
 * policy's floor), which the plain baseline row already ran. HPA cannot scale to zero
 * (its floor is 1 either way), so it gets one floor.
 */
export function tuningGrid(name: string, minNodes: number): Tuning[] {
  const floors = [...new Set(name === 'hpa' ? [Math.max(1, minNodes)] : [minNodes, Math.max(1, minNodes)])];
  const grid: Tuning[] = [];
  for (const floor of floors) {
    for (const targetFactor of TARGET_FACTORS) {
      if (targetFactor !== 1 || floor !== floors[0]) grid.push({ targetFactor, minNodes: floor });
    }
  }
  return grid;
}

/** The report id of a grid point's run (never shown: only the chosen one becomes a row). */
export function tuningId(name: string, tuning: Tuning): string {
  return `${name}@${tuning.targetFactor}x/min${tuning.minNodes}`;
}

/**
 * The `<baseline>-tuned` row among `candidates` (the default run and every grid
 * point): the cheapest that met the SLO; if none did, the one that came closest
 * (highest attainment, then cheapest), flagged by its `meetsSlo`.
 */
export function pickTuned(name: string, candidates: readonly PolicyResult[]): PolicyResult | undefined {
  if (candidates.length === 0) return undefined;
  const meeting = candidates.filter((r) => r.meetsSlo);
  const best = meeting.length > 0 ? meeting.reduce((a, b) => (b.cost < a.cost ? b : a)) : candidates.reduce((a, b) => (b.sloAttainment > a.sloAttainment || (b.sloAttainment === a.sloAttainment && b.cost < a.cost) ? b : a));
  const s = best.setting;
  const title = s ? `${s.knob} ${+s.value.toPrecision(3)} per node (${s.targetFactor}x the default), min ${s.minNodes} node${s.minNodes === 1 ? "" : "s"}` : `${best.title}, tuned`;
  return { ...best, policy: `${name}-tuned`, title, tuned: true };
}
