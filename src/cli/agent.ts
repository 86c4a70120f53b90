/**
 * `adaptive-compute agent`: a node of the local marketplace (it starts one per
 * lease), or a node you start by hand. Serves the node protocol with an emulated GPU.
 */
import type { Command } from 'commander';
import { action } from './command.js';
import type { CliCommand } from './command.js';
import { integer, nonNegativeNumber, port } from './flags.js';

/** Flags of `adaptive-compute agent`, after parsing. */
export interface AgentFlags {
  handler?: string;
  slots?: number;
  host?: string;
  port?: number;
  seed: number;
  lease?: string;
  parentPid?: number;
  baseMs?: number;
  msPerInputToken?: number;
  msPerOutputToken?: number;
}

/** The `agent` command. */
export const agentCommand: CliCommand = {
  name: 'agent',
  register(program: Command): void {
    program
      .command('agent')
      .description('serve the node protocol with an emulated GPU (the local marketplace starts one per lease)')
      .option('--handler <name|path>', 'task handler: echo, sleep, tokens, or a module (./my-handler.mjs) (env ADAPTIVE_COMPUTE_HANDLER; default echo)')
      .option('--slots <n>', 'tasks run at once (env ADAPTIVE_COMPUTE_SLOTS; default 4)', integer('--slots', 1, 1024))
      .option('--host <host>', 'interface to listen on (env ADAPTIVE_COMPUTE_HOST; default 0.0.0.0)')
      .option('--port <port>', 'port to listen on, 0: any free port (env PORT; default 8000)', port('--port'))
      .option('--seed <n>', 'seed of generated outputs', integer('--seed', 0), 1)
      .option('--lease <id>', 'lease id this node serves (env ADAPTIVE_COMPUTE_LEASE_ID)')
      .option('--parent-pid <pid>', 'exit when this process is gone', integer('--parent-pid', 1))
      .option('--base-ms <ms>', 'tokens handler: fixed cost per request (env TOKENS_BASE_MS)', nonNegativeNumber('--base-ms'))
      .option('--ms-per-input-token <ms>', 'tokens handler: prefill cost per input token (env TOKENS_MS_PER_INPUT_TOKEN)', nonNegativeNumber('--ms-per-input-token'))
      .option('--ms-per-output-token <ms>', 'tokens handler: decode cost per output token (env TOKENS_MS_PER_OUTPUT_TOKEN)', nonNegativeNumber('--ms-per-output-token'))
      .addHelpText(
        'after',
        `
Environment (a flag wins over its variable; with no flags at all, a provider can
start the agent as a container's command):
  ADAPTIVE_COMPUTE_NODE_TOKEN     required: the Bearer token POST /v1/run must carry
  PORT                            port to listen on (default 8000)
  ADAPTIVE_COMPUTE_TLS_KEY        serve https with a self-signed certificate around this
                                  P-256 private key (base64url; the SDK pins its public key)
  ADAPTIVE_COMPUTE_TLS_CERT_FILE, ADAPTIVE_COMPUTE_TLS_KEY_FILE
                                  serve https with your own PEM certificate and key
  ADAPTIVE_COMPUTE_HANDLER, ADAPTIVE_COMPUTE_SLOTS, ADAPTIVE_COMPUTE_HOST, ADAPTIVE_COMPUTE_LEASE_ID

A handler module exports a function as default:
  export default async (input, ctx) => ({ output: { ... }, serviceMs: 120 });
The agent holds one slot for serviceMs per task (a sleep, not CPU work).

Exit codes: 0 stopped by a signal or because its parent exited, 1 failed, 2 bad flags.`,
      )
      .action(
        action(async (flags: AgentFlags) => {
          const { runAgentCommand } = await import('./agent-run.js');
          return runAgentCommand(flags);
        }),
      );
  },
};
