/**
 * The commander program: global flags, output routing and every command from
 * commands.ts. Errors are not printed or turned into exits here: main.ts does that
 * once, for commander's own errors and the commands' alike.
 */
import { Command } from 'commander';
import { COMMANDS } from './commands.js';

/** Build the `adaptive-compute` program. */
export function buildProgram(version: string): Command {
  const program = new Command('adaptive-compute');
  program
    .description('Rent GPU nodes from a compute marketplace exactly when a workload needs them.')
    .version(version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    // Subcommands created below inherit these two.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) => write(text.endsWith('\n') ? text : `${text}\n`),
    })
    .showSuggestionAfterError(true)
    .addHelpText('after', '\nStart with: adaptive-compute demo\n');
  for (const command of COMMANDS) command.register(program);
  return program;
}
