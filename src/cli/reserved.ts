/**
 * A command name that is taken but not built yet: it shows in `--help` and answers
 * with a clear usage error instead of "unknown command".
 */
import type { Command } from 'commander';
import { action, UsageError } from './command.js';
import type { CliCommand } from './command.js';

/** A placeholder command that exits 2 saying it is not available yet. */
export function reservedCommand(name: string, description: string): CliCommand {
  return {
    name,
    register(program: Command): void {
      program
        .command(name)
        .description(description)
        .allowUnknownOption()
        .allowExcessArguments()
        .action(
          action(async () => {
            throw new UsageError(`"${name}" is not available in this release yet`);
          }),
        );
    },
  };
}
