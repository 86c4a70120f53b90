/**
 * Flag value parsers for commander options. Each names its flag in the error, so a
 * bad value reads `error: --budget must be a positive number (got -1)`.
 */
import { UsageError } from './command.js';

function number(flag: string, raw: string, what: string, ok: (n: number) => boolean): number {
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || !ok(n)) throw new UsageError(`${flag} must be ${what} (got ${JSON.stringify(raw)})`);
  return n;
}

/** A number > 0. */
export function positiveNumber(flag: string): (raw: string) => number {
  return (raw) => number(flag, raw, 'a positive number', (n) => n > 0);
}

/** A number within [min, max]. */
export function numberWithin(flag: string, min: number, max: number): (raw: string) => number {
  return (raw) => number(flag, raw, `a number from ${min} to ${max}`, (n) => n >= min && n <= max);
}

/** A number >= 0. */
export function nonNegativeNumber(flag: string): (raw: string) => number {
  return (raw) => number(flag, raw, 'a number >= 0', (n) => n >= 0);
}

/** An integer within [min, max]. */
export function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  const what = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return (raw) => number(flag, raw, what, (n) => Number.isInteger(n) && n >= min && n <= max);
}

/** A TCP port (0: any free one). */
export function port(flag: string): (raw: string) => number {
  return integer(flag, 0, 65_535);
}

/** One of `choices`. */
export function oneOf<T extends string>(flag: string, choices: readonly T[]): (raw: string) => T {
  return (raw) => {
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    throw new UsageError(`${flag} must be one of ${choices.join(', ')} (got ${JSON.stringify(raw)})`);
  };
}
