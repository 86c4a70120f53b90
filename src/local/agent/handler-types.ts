/**
 * The contract of a node agent's task handler: built-in or the user's module
 * (`adaptive-compute agent --handler ./my-handler.mjs`, or a workload `image`
 * ending in `.mjs`). The handler computes the output at once and *declares* how long
 * the emulated GPU is busy with the task; the agent holds one of its slots for that
 * long (a sleep, not CPU work), so that capacity grows with the number of nodes.
 *
 * @example
 * ```js
 * // my-handler.mjs
 * export default async function handler(input, ctx) {
 *   return { output: { upper: String(input.text).toUpperCase() }, serviceMs: 50 + 2 * input.text.length };
 * }
 * ```
 */

/** What a handler gets besides the input. */
export interface AgentHandlerContext {
  /** The task's id: the same on every attempt, so a handler can answer retries alike. */
  taskId: string;
  /** The workload name the SDK sent. */
  workload: string;
  /** Lease this node belongs to. */
  leaseId: string;
  /** Seed of the marketplace (for deterministic generated outputs). */
  seed: number;
  /** Aborted when the client goes away or the node is stopped. */
  signal: AbortSignal;
  /** The node's environment (the lease's `env` is in it). */
  env: Readonly<Record<string, string | undefined>>;
}

/** What a handler resolves to. */
export interface AgentHandlerResult {
  /** Returned to the caller as `{ output }`. */
  output: unknown;
  /** Emulated GPU time for this task, ms; the slot stays busy this long in all. @default 0 */
  serviceMs?: number;
}

/** A node agent task handler. A throw answers 500 with the error's message. */
export type AgentHandler = (input: unknown, ctx: AgentHandlerContext) => AgentHandlerResult | Promise<AgentHandlerResult>;
