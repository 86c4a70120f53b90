/**
 * Turn a handler reference (`echo`, `./my-handler.mjs`, ...) into a function, and
 * wrap it as the node server's task handler: run it, then hold the slot for the
 * service time it declared (the emulated GPU), then answer.
 */
import { pathToFileURL } from 'node:url';
import { sleep } from '../../clock.js';
import type { Clock } from '../../clock.js';
import { ComputeError } from '../../errors.js';
import type { NodeTaskHandler } from './node-server.js';
import { builtinHandler } from './builtin-handlers.js';
import type { TokensModel } from './builtin-handlers.js';
import { parseHandlerSpec } from './handler-spec.js';
import type { AgentHandler, AgentHandlerResult } from './handler-types.js';

/**
 * Load the handler `reference` names: a built-in, or a module whose default export
 * (or `handler` export) is an {@link AgentHandler}.
 * @throws ComputeError `CONFIG_INVALID` when the reference or the module is unusable.
 */
export async function loadHandler(reference: string, cwd: string, model: TokensModel): Promise<AgentHandler> {
  const spec = parseHandlerSpec(reference, cwd);
  if (spec === undefined) {
    throw new ComputeError('CONFIG_INVALID', `handler: "${reference}" is neither a built-in (echo, sleep, tokens) nor a .mjs/.js/.cjs module`);
  }
  if (spec.kind === 'builtin') return builtinHandler(spec.name, model);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(spec.path).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ComputeError('CONFIG_INVALID', `handler: cannot load ${spec.path}: ${message}`, { cause: error });
  }
  // A CommonJS module imported from ESM puts `module.exports` on `default`.
  const inner = typeof mod.default === 'object' && mod.default !== null ? (mod.default as Record<string, unknown>) : {};
  const fn = [mod.default, mod.handler, inner.default, inner.handler].find((f) => typeof f === 'function');
  if (fn === undefined) {
    throw new ComputeError('CONFIG_INVALID', `handler: ${spec.path} must export a function as default (or as \`handler\`)`);
  }
  return fn as AgentHandler;
}

/** Facts the wrapped handler passes on. */
export interface EmulationContext {
  seed: number;
  clock: Clock;
  env: Readonly<Record<string, string | undefined>>;
}

/** The node server's handler: run `handler`, then keep the slot busy for its declared service time. */
export function emulateGpu(handler: AgentHandler, ctx: EmulationContext): NodeTaskHandler {
  return async (input, task) => {
    const startedAt = ctx.clock.now();
    const result = await handler(input, {
      taskId: task.taskId,
      workload: task.workload,
      leaseId: task.leaseId,
      seed: ctx.seed,
      signal: task.signal,
      env: ctx.env,
    });
    const { output, serviceMs } = checkResult(result);
    // Time the handler itself took counts toward the declared service time.
    const rest = serviceMs - (ctx.clock.now() - startedAt);
    if (rest > 0) await sleep(ctx.clock, rest, task.signal);
    return output;
  };
}

function checkResult(result: unknown): Required<AgentHandlerResult> {
  if (typeof result !== 'object' || result === null || !('output' in result)) {
    throw new Error('handler must resolve to { output, serviceMs? }');
  }
  const { output, serviceMs } = result as AgentHandlerResult;
  if (serviceMs !== undefined && !(typeof serviceMs === 'number' && Number.isFinite(serviceMs) && serviceMs >= 0)) {
    throw new Error('handler serviceMs must be a finite number >= 0');
  }
  return { output, serviceMs: serviceMs ?? 0 };
}
