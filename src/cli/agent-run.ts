/**
 * What `adaptive-compute agent` does once its flags are parsed: start the agent,
 * tell the marketplace (IPC) or the user (stdout) where it listens, then serve until
 * a signal arrives or the parent is gone.
 */
import { ComputeError } from '../errors.js';
import { DEFAULT_TOKENS_MODEL } from '../local/agent/builtin-handlers.js';
import type { TokensModel } from '../local/agent/builtin-handlers.js';
import { startAgent } from '../local/agent/agent.js';
import { NODE_TOKEN_ENV } from '../local/agent/ipc.js';
import type { AgentMessage } from '../local/agent/ipc.js';
import { watchParent } from '../local/agent/parent-watch.js';
import type { AgentFlags } from './agent.js';
import { EXIT, UsageError } from './command.js';
import { agentSettingsFromEnv } from './agent-env.js';

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a number >= 0 (got ${JSON.stringify(raw)})`);
  return n;
}

function tokensModel(flags: AgentFlags): TokensModel {
  return {
    baseMs: flags.baseMs ?? envNumber('TOKENS_BASE_MS') ?? DEFAULT_TOKENS_MODEL.baseMs,
    msPerInputToken: flags.msPerInputToken ?? envNumber('TOKENS_MS_PER_INPUT_TOKEN') ?? DEFAULT_TOKENS_MODEL.msPerInputToken,
    msPerOutputToken: flags.msPerOutputToken ?? envNumber('TOKENS_MS_PER_OUTPUT_TOKEN') ?? DEFAULT_TOKENS_MODEL.msPerOutputToken,
  };
}

function tell(message: AgentMessage): void {
  if (process.send) process.send(message);
}

/** Run the agent until stopped; resolves with the exit code. */
export async function runAgentCommand(flags: AgentFlags): Promise<number> {
  const token = process.env[NODE_TOKEN_ENV];
  if (token === undefined || token === '') {
    throw new UsageError(`set ${NODE_TOKEN_ENV} to the token that POST /v1/run must carry`);
  }
  // Handlers (user code) see the environment; they have no business with the token.
  delete process.env[NODE_TOKEN_ENV];
  const settings = agentSettingsFromEnv(flags, process.env);
  let agent;
  try {
    agent = await startAgent({
      handler: settings.handler,
      slots: settings.slots,
      host: settings.host,
      port: settings.port,
      token,
      leaseId: settings.lease,
      seed: flags.seed,
      tokens: tokensModel(flags),
      tls: settings.tls,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    tell({ type: 'failed', message: message.slice(0, 500) });
    throw error instanceof ComputeError ? error : new ComputeError('NODE_FAILED', message);
  }
  if (process.send) tell({ type: 'listening', port: agent.port });
  else {
    const scheme = settings.tls ? 'https' : 'http';
    process.stdout.write(`agent listening on ${scheme}://${settings.host}:${agent.port} (handler ${settings.handler}, ${settings.slots} slots)\n`);
  }

  const reason = await new Promise<string>((resolve) => {
    const unwatch = watchParent(flags.parentPid, resolve);
    const onSignal = (signal: NodeJS.Signals): void => {
      unwatch();
      resolve(signal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await agent.close();
  if (!process.send) process.stderr.write(`agent stopped (${reason})\n`);
  // An open IPC channel would keep this process alive after a SIGTERM.
  if (process.connected) process.disconnect();
  return EXIT.ok;
}
