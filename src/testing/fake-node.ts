/**
 * A fake leased node: the shared node protocol server ({@link NodeServer}) run in
 * this process on 127.0.0.1, with a task handler given by the test. The embedded
 * local marketplace runs the same server in `adaptive-compute agent` processes.
 */
import { sleep } from '../clock.js';
import { NodeServer } from '../local/agent/node-server.js';
import type { NodeServerOptions, NodeServerStats, NodeTaskContext, NodeTaskHandler } from '../local/agent/node-server.js';

/** What a task handler gets besides the input. */
export type FakeTaskContext = NodeTaskContext;

/** Computes a task's output; a throw answers 500 with the error's message. */
export type FakeTaskHandler = NodeTaskHandler;

/** Load of one fake node: tasks running, waiting for a slot, finished. */
export type FakeNodeStats = NodeServerStats;

/** Options of {@link FakeNode}. */
export type FakeNodeOptions = NodeServerOptions;

/**
 * The default handler: waits `input.ms` milliseconds on the clock (0 when absent)
 * and returns `{ echo: input }`. The local agent's built-in `echo` keeps the same
 * contract, so a test can swap one marketplace for the other.
 */
export const echoTaskHandler: FakeTaskHandler = async (input, ctx) => {
  const ms = (input as { ms?: unknown } | null)?.ms;
  if (typeof ms === 'number' && ms > 0) await sleep(ctx.clock, ms, ctx.signal);
  return { echo: input };
};

/** One in-process node server. The fake marketplace starts it, marks it ready and kills it. */
export class FakeNode extends NodeServer {}
