/**
 * A node agent: the node protocol server with an emulated GPU, as started by
 * `adaptive-compute agent` (one process per lease of the local marketplace, or by
 * hand). It serves at once: the marketplace starts it when the cold start is over.
 * Besides the node protocol it serves an emulated OpenAI-compatible
 * `POST /v1/chat/completions` (see openai-route.ts).
 */
import { realClock } from '../../clock.js';
import type { Clock } from '../../clock.js';
import { NodeServer } from './node-server.js';
import type { TokensModel } from './builtin-handlers.js';
import { emulateGpu, loadHandler } from './load-handler.js';
import { openAiRoutes } from './openai-route.js';

/** Settings of {@link startAgent}. */
export interface AgentOptions {
  /** Handler reference: `echo`, `sleep`, `tokens`, or a module path. */
  handler: string;
  /** Tasks run at once. */
  slots: number;
  /** Interface to listen on. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Token `POST /v1/run` must carry. Never logged. */
  token: string;
  /** Lease id (for handlers and logs). */
  leaseId: string;
  /** Seed for generated outputs. */
  seed: number;
  /** Defaults of the `tokens` handler. */
  tokens: TokensModel;
  /** Relative handler paths resolve here. @default process.cwd() */
  cwd?: string;
  /** @default realClock */
  clock?: Clock;
  /** Serve https with this key and certificate (PEM). @default plain http */
  tls?: { key: string; cert: string } | undefined;
}

/** A serving agent. */
export interface RunningAgent {
  /** Port bound. */
  readonly port: number;
  /** Tasks running, waiting, served. */
  stats(): { running: number; queued: number; served: number };
  /** Stop serving; in-flight requests lose their connections. */
  close(): Promise<void>;
}

/** Load the handler and start serving. Rejects with `CONFIG_INVALID` when the handler cannot be loaded. */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const clock = options.clock ?? realClock;
  const handler = await loadHandler(options.handler, options.cwd ?? process.cwd(), options.tokens);
  const server = new NodeServer({
    leaseId: options.leaseId,
    token: options.token,
    slots: options.slots,
    handler: emulateGpu(handler, { seed: options.seed, clock, env: process.env }),
    clock,
    // Whatever the image, a node also answers like an OpenAI-compatible server, so
    // a workload written for vLLM (`request: { path: '/v1/chat/completions' }`) runs here.
    routes: openAiRoutes({ seed: options.seed, tokens: options.tokens }),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  server.ready = true;
  await server.start(options.host, options.port);
  return {
    port: server.boundPort,
    stats: () => server.stats,
    close: () => server.kill(),
  };
}
