#!/usr/bin/env node
/**
 * `adaptive-compute` command line (built to dist/cli.js, so package.json is one level
 * up). Turns every outcome into an exit code: 0 done, 1 failed while running,
 * 2 wrong command line; errors are one line on stderr, `error: ...`.
 */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { ComputeError } from '../errors.js';
import { EXIT } from './command.js';
import { buildProgram } from './program.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

/** Exit code for a thrown error; prints it (commander printed its own already). */
function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message.split('\n')[0] ?? message}\n`);
  // UsageError is a CONFIG_INVALID ComputeError; so is a bad option found deeper down.
  if (error instanceof ComputeError && error.code === 'CONFIG_INVALID') return EXIT.usage;
  return EXIT.failure;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram(version());
  if (argv.length <= 2) {
    process.stdout.write(program.helpInformation());
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = report(error);
  }
}

// A reader that stops early (`adaptive-compute simulate ... | head`) closes the pipe:
// that ends the output, it is not a failure worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

void main(process.argv);
