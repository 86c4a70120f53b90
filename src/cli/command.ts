/**
 * What a CLI command is, and how it fails. A command is one file that exports a
 * {@link CliCommand}; `commands.ts` lists them, in one place. Exit codes: 0 done,
 * 1 the command failed while running, 2 the command line was wrong.
 */
import type { Command } from 'commander';
import { ComputeError, errorBrands } from '../errors.js';

const USAGE_ERROR = errorBrands.of('UsageError');

/** Exit codes of `adaptive-compute`. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** One `adaptive-compute <name>` command. */
export interface CliCommand {
  /** The subcommand's name, e.g. `demo`. */
  readonly name: string;
  /**
   * Add the subcommand to `program`: description, flags (with their parsers from
   * flags.ts), help text and an action. Keep this file light: the action should
   * `import()` the heavy implementation, so that other commands start fast.
   */
  register(program: Command): void;
}

/**
 * A wrong command line (bad flag value, missing environment): a `ComputeError` with
 * code `CONFIG_INVALID`, which main.ts turns into exit code 2 and one line on stderr.
 */
export class UsageError extends ComputeError {
  constructor(message: string) {
    super('CONFIG_INVALID', message, { retryable: false });
    this.name = 'UsageError';
    errorBrands.stamp(this, USAGE_ERROR);
  }

  /** Its own brand, as every ComputeError subclass has: a plain ComputeError is not a UsageError. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return errorBrands.instanceOf(UsageError, this, USAGE_ERROR, value);
  }
}

/** Run an action and turn its result into the process exit code (thrown errors are handled by main). */
export function action<A extends unknown[]>(run: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const code = await run(...args);
    process.exitCode = code ?? EXIT.ok;
  };
}
