/**
 * The one place where CLI commands are registered. To add a command: write
 * `src/cli/<name>.ts` exporting a {@link CliCommand} (see demo.ts for the pattern:
 * flags with parsers from flags.ts, an action that imports its implementation
 * lazily and returns an exit code), then list it here.
 */
import type { CliCommand } from './command.js';
import { agentCommand } from './agent.js';
import { demoCommand } from './demo.js';
import { marketCommand } from './market.js';
import { nodeTlsCommand } from './node-tls.js';
import { simulateCommand } from './simulate.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  demoCommand,
  marketCommand,
  agentCommand,
  nodeTlsCommand,
  simulateCommand,
];
