/**
 * Checks the per-call options of `run()`, `map()` and `stream()` before anything is
 * queued. They come from the app at run time, not from a config file, so a bad one
 * is a rejected promise (`CONFIG_INVALID` naming the option), never a synchronous
 * throw: a throw after queueing would leave a task whose later rejection nobody sees.
 */
import { ComputeError } from '../errors.js';

/** Why a per-call option is refused. */
function invalid(workload: string, path: string, problem: string, got: unknown): ComputeError {
  return new ComputeError('CONFIG_INVALID', `workload "${workload}" ${path}: ${problem} (got ${describe(got)})`, {
    retryable: false,
    details: { workload, path },
  });
}

/** A short, secret-free description of what was passed: its type, or the number itself. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  return typeof value;
}

/** Whether `value` can be watched as an `AbortSignal` (ours or another realm's). */
export function isSignalLike(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function' &&
    typeof (value as AbortSignal).removeEventListener === 'function'
  );
}

/**
 * The first problem with `options` of a `run()`-like call, or undefined. Checks the
 * shape only (types); ranges are the queue's to check.
 */
export function checkRunOptions(workload: string, options: unknown): ComputeError | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) return invalid(workload, 'options', 'must be an object', options);
  const { signal, timeoutMs, priority } = options as Record<string, unknown>;
  if (signal !== undefined && !isSignalLike(signal)) return invalid(workload, 'signal', 'must be an AbortSignal', signal);
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
    return invalid(workload, 'timeoutMs', 'must be a number >= 0', timeoutMs);
  }
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) {
    return invalid(workload, 'priority', 'must be a finite number', priority);
  }
  return undefined;
}

/** The first problem with the arguments of `map()`, or undefined. */
export function checkMapArguments(workload: string, inputs: unknown, options: unknown): ComputeError | undefined {
  const iterable =
    typeof inputs === 'object' &&
    inputs !== null &&
    (typeof (inputs as Iterable<unknown>)[Symbol.iterator] === 'function' || typeof (inputs as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function');
  if (!iterable && typeof inputs !== 'string') return invalid(workload, 'inputs', 'must be an iterable or async iterable', inputs);
  const bad = checkRunOptions(workload, options);
  if (bad) return bad;
  const { concurrency, settle } = (options ?? {}) as Record<string, unknown>;
  if (settle !== undefined && typeof settle !== 'boolean') return invalid(workload, 'settle', 'must be a boolean', settle);
  if (concurrency !== undefined && (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1)) {
    return invalid(workload, 'concurrency', 'must be an integer >= 1', concurrency);
  }
  return undefined;
}

/** An iterator whose first `next()` rejects with `error` (how `map()` reports a bad call). */
export function failing<T>(error: unknown): AsyncIterableIterator<T> {
  let done = false;
  const iterator: AsyncIterableIterator<T> = {
    next: () => {
      if (done) return Promise.resolve({ done: true, value: undefined });
      done = true;
      return Promise.reject(error);
    },
    return: () => {
      done = true;
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
