/**
 * `mapOrdered`: run an async function over a (possibly endless) stream of inputs,
 * with bounded concurrency, yielding results in input order.
 *
 * A window of started-but-not-yet-yielded calls is kept, like p-map's `pMapIterable`:
 * at most `concurrency` calls in flight and at most `backpressure` results waiting to
 * be yielded, so memory stays bounded when the consumer is slow and a slow head call
 * cannot make the buffer grow without limit. Inputs are pulled only to fill the
 * window, in the background, so a slow async source does not delay results that are
 * already done.
 */
import { ComputeError } from '../errors.js';
import { RingDeque } from './deque.js';

/** Options of {@link mapOrdered}. */
export interface MapOptions {
  /** Calls in flight at most. @default 16 */
  concurrency?: number;
  /**
   * Calls started but not yet yielded (running, or done and waiting for their turn)
   * at most; must be >= `concurrency`. Larger values keep more calls running behind
   * one slow call, at the cost of buffered results. @default concurrency
   */
  backpressure?: number;
  /** Aborting it makes the iterator throw `ABORTED` and stop starting calls. */
  signal?: AbortSignal;
  /**
   * `true`: a failed call does not end the iteration; every input yields a
   * {@link MapSettled} in input order, its result or its error (as Modal's
   * `return_exceptions`, in `Promise.allSettled`'s shape). `false`: the first failure,
   * in input order, is thrown and nothing more is started. @default false
   */
  settle?: boolean;
}

/** What `map(inputs, { settle: true })` yields per input, in input order. */
export type MapSettled<O> =
  | { readonly status: 'fulfilled'; readonly index: number; readonly value: O }
  | { readonly status: 'rejected'; readonly index: number; readonly reason: unknown };

/**
 * The error of input `index` of a `map()`: the task's own error under the same code,
 * with `index` on it and in its message (`map input 3: ...`), the original as `cause`.
 * Anything that is not a ComputeError is returned as it is.
 */
export function errorAtIndex(error: unknown, index: number): unknown {
  if (!(error instanceof ComputeError)) return error;
  return new ComputeError(error.code, `map input ${index}: ${error.message}`, {
    cause: error,
    retryable: error.retryable,
    details: { ...error.details, index },
    index,
  });
}

/**
 * Ordered results of `run` over `inputs`, with at most `concurrency` calls in flight,
 * pulling inputs lazily from a sync or async iterable (never materialising it).
 *
 * If a call rejects (or the input iterable throws), no new call is started and the
 * iterator throws that error when it reaches that position; calls already started
 * still settle, and their rejections are handled. With `settle: true` a rejected call
 * is yielded as `{ status: 'rejected', index, reason }` in its place and the rest go
 * on (the input iterable throwing still ends the iteration). Aborting `signal` throws `ABORTED`.
 * Leaving the loop early (`break`, `return`, a throw) stops pulling inputs and closes
 * the input iterator.
 *
 * @throws ComputeError `CONFIG_INVALID` at once for a bad `concurrency` / `backpressure`.
 */
export function mapOrdered<I, O>(inputs: Iterable<I> | AsyncIterable<I>, run: (input: I, index: number) => Promise<O>, options: MapOptions & { settle: true }): AsyncIterableIterator<MapSettled<O>>;
export function mapOrdered<I, O>(inputs: Iterable<I> | AsyncIterable<I>, run: (input: I, index: number) => Promise<O>, options?: MapOptions & { settle?: false }): AsyncIterableIterator<O>;
export function mapOrdered<I, O>(inputs: Iterable<I> | AsyncIterable<I>, run: (input: I, index: number) => Promise<O>, options?: MapOptions): AsyncIterableIterator<O | MapSettled<O>>;
export function mapOrdered<I, O>(
  inputs: Iterable<I> | AsyncIterable<I>,
  run: (input: I, index: number) => Promise<O>,
  options: MapOptions = {},
): AsyncIterableIterator<O | MapSettled<O>> {
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ComputeError('CONFIG_INVALID', 'concurrency: must be an integer >= 1', { details: { path: 'concurrency' } });
  }
  const backpressure = options.backpressure ?? concurrency;
  if (!Number.isInteger(backpressure) || backpressure < concurrency) {
    throw new ComputeError('CONFIG_INVALID', 'backpressure: must be an integer >= concurrency', { details: { path: 'backpressure' } });
  }
  return iterate(inputs, run, concurrency, backpressure, options.signal, options.settle === true);
}

async function* iterate<I, O>(
  inputs: Iterable<I> | AsyncIterable<I>,
  run: (input: I, index: number) => Promise<O>,
  concurrency: number,
  backpressure: number,
  signal: AbortSignal | undefined,
  settle: boolean,
): AsyncGenerator<O | MapSettled<O>, void, undefined> {
  if (isAborted(signal)) throw abortError(signal?.reason);
  const window = new Window(inputs, run, concurrency, backpressure, settle);
  const onAbort = (): void => window.notify();
  signal?.addEventListener('abort', onAbort);
  try {
    window.fill();
    for (;;) {
      if (isAborted(signal)) throw abortError(signal?.reason);
      const head = window.head();
      if (head === undefined) {
        if (window.exhausted) return;
        await window.changed();
        continue;
      }
      if (head.state === PENDING) {
        await window.changed();
        continue;
      }
      window.shift();
      if (head.state === FAILED && (!settle || head.fromSource)) throw head.error;
      if (!settle) yield head.value as O;
      else if (head.state === FAILED) yield { status: 'rejected', index: head.index, reason: head.error };
      else yield { status: 'fulfilled', index: head.index, value: head.value as O };
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    window.stop();
  }
}

// A function, not an inline check: the compiler would otherwise keep the narrowing
// from the first check across the awaits and call the second one impossible.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function abortError(reason: unknown): ComputeError {
  return new ComputeError('ABORTED', 'map aborted by its signal', { cause: reason });
}

const PENDING = 0;
const DONE = 1;
const FAILED = 2;

class Slot<O> {
  state: typeof PENDING | typeof DONE | typeof FAILED = PENDING;
  value: O | undefined = undefined;
  error: unknown = undefined;
  /** The failure is the input iterable's, not a call's: it ends the iteration even when settling. */
  fromSource = false;
  constructor(readonly index: number) {}
}

// The started calls in input order, the input iterator, and the one waiting consumer.
class Window<I, O> {
  private readonly slots = new RingDeque<Slot<O>>();
  private readonly iterator: Iterator<I> | AsyncIterator<I>;
  private readonly isAsync: boolean;
  private inFlight = 0;
  private nextIndex = 0;
  private pulling = false;
  // No further input will be pulled (source ended, a call failed, or the consumer left).
  private closed = false;
  // The source needs no `return()`: it ended, threw, or was already closed.
  private sourceFinished = false;
  private wake: (() => void) | undefined = undefined;

  constructor(
    inputs: Iterable<I> | AsyncIterable<I>,
    private readonly run: (input: I, index: number) => Promise<O>,
    private readonly concurrency: number,
    private readonly backpressure: number,
    private readonly settle: boolean,
  ) {
    const asyncFactory = (inputs as Partial<AsyncIterable<I>>)[Symbol.asyncIterator];
    this.isAsync = typeof asyncFactory === 'function';
    this.iterator = this.isAsync ? (inputs as AsyncIterable<I>)[Symbol.asyncIterator]() : (inputs as Iterable<I>)[Symbol.iterator]();
  }

  /** True when no slot will be added any more. */
  get exhausted(): boolean {
    return this.closed && !this.pulling;
  }

  head(): Slot<O> | undefined {
    return this.slots.at(0);
  }

  shift(): void {
    this.slots.shift();
    this.fill();
  }

  /** Resolves at the next change (a call settles, an input arrives, abort). */
  changed(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Start calls while the window has room and the source has inputs. */
  fill(): void {
    while (!this.closed && !this.pulling && this.inFlight < this.concurrency && this.slots.length < this.backpressure) {
      if (this.isAsync) {
        this.pullAsync();
        return;
      }
      let step: IteratorResult<I>;
      try {
        step = (this.iterator as Iterator<I>).next();
      } catch (error) {
        this.inputFailed(error);
        return;
      }
      if (step.done === true) this.sourceEnded();
      else this.start(step.value);
    }
  }

  /** The consumer left: start nothing more and close the source. */
  stop(): void {
    this.closed = true;
    if (this.sourceFinished) return;
    this.sourceFinished = true;
    try {
      // Not awaited: an async source with a pending `next()` would only run `return()`
      // after it, and leaving the loop must not wait for the source.
      const closing = this.iterator.return?.();
      if (this.isAsync) Promise.resolve(closing).catch(() => undefined);
    } catch {
      // The source failed while closing; the consumer has already left.
    }
  }

  private pullAsync(): void {
    this.pulling = true;
    let next: Promise<IteratorResult<I>>;
    try {
      next = Promise.resolve((this.iterator as AsyncIterator<I>).next());
    } catch (error) {
      this.pulling = false;
      this.inputFailed(error);
      return;
    }
    next.then(
      (step) => {
        this.pulling = false;
        // An input that arrives after a failure or after the consumer left is dropped.
        if (this.closed) {
          if (step.done === true) this.sourceFinished = true;
        } else if (step.done === true) {
          this.sourceEnded();
        } else {
          this.start(step.value);
        }
        this.notify();
        this.fill();
      },
      (error: unknown) => {
        this.pulling = false;
        if (!this.closed) this.inputFailed(error);
        else this.sourceFinished = true;
        this.notify();
      },
    );
  }

  private start(input: I): void {
    const index = this.nextIndex++;
    const slot = new Slot<O>(index);
    this.slots.push(slot);
    this.inFlight++;
    let result: Promise<O>;
    try {
      result = Promise.resolve(this.run(input, index));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => {
        slot.state = DONE;
        slot.value = value;
        this.callSettled();
      },
      (error: unknown) => {
        slot.state = FAILED;
        slot.error = error;
        // Settling: a failure is one more result. Otherwise nothing more is started.
        if (!this.settle) this.closed = true;
        this.callSettled();
      },
    );
  }

  private callSettled(): void {
    this.inFlight--;
    this.notify();
    this.fill();
  }

  private sourceEnded(): void {
    this.closed = true;
    this.sourceFinished = true;
  }

  // The input iterable threw: that is the error at the next position.
  private inputFailed(error: unknown): void {
    const slot = new Slot<O>(this.nextIndex++);
    slot.state = FAILED;
    slot.error = error;
    slot.fromSource = true;
    this.slots.push(slot);
    this.sourceEnded();
  }
}
