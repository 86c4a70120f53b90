// Purpose: the task handler a node image runs (adaptive-compute agent --handler, or ADAPTIVE_COMPUTE_HANDLER).
// Replace the body with your model call. `input` is what run() was given; return the
// output and, on the emulated GPU of the local marketplace, how long the task held a slot.
/** @param {unknown} input @param {{ taskId: string, workload: string, env: Record<string, string | undefined> }} ctx */
export default async function handler(input, ctx) {
  const text = typeof input === 'object' && input !== null && 'text' in input ? String(input.text) : JSON.stringify(input);
  return { output: { workload: ctx.workload, taskId: ctx.taskId, upper: text.toUpperCase() }, serviceMs: 5 };
}
