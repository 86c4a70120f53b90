/**
 * How soon a node given no more tasks would be free: what the planner ranks nodes by
 * when it chooses which to drain (a node kept alive by a long task serves nothing
 * while it drains). Pure.
 */
import type { NodeView } from './observation.js';

/**
 * When a node given no more tasks would be free, expected, in ms: 0 when idle; else
 * the longer of a new task's service and what its oldest task can still be expected
 * to run. That comes from the recent service times (`spread`, equal shares): the mean
 * excess over its age of the shares above it, or, past all of them, its age again (a
 * task that outlived every recent one is in a heavy tail, where the longer a task has
 * run, the longer it is likely to run). Unknown ages count as new tasks.
 */
export function timeToFree(node: NodeView, spread: readonly number[] | undefined, meanMs: number): number {
  if (node.inFlight === 0) return 0;
  const age = node.oldestTaskMs;
  if (age === undefined || spread === undefined || spread.length === 0) return meanMs;
  let sum = 0;
  let above = 0;
  for (const ms of spread) {
    if (ms > age) {
      sum += ms - age;
      above++;
    }
  }
  return Math.max(meanMs, above > 0 ? sum / above : age);
}
