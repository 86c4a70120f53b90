/**
 * A cheaper stand-in for `AbortController` on the dispatch hot path. Node's
 * AbortController/AbortSignal pair costs several microseconds to create (it is an
 * EventTarget); a task attempt needs only one-shot cancellation with a couple of
 * listeners. undici accepts any object with `aborted`, `reason` and
 * `addEventListener`/`removeEventListener` as a request `signal`.
 */

/** The part of `AbortSignal` our code and undici rely on. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: unknown): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A one-shot cancellation: `signal` is handed out, `abort()` fires it once. */
export class Cancellation implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] | undefined;

  /** This object is its own signal. */
  get signal(): CancelSignal {
    return this;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const list = this.listeners;
    if (!list) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  }

  /** Fire once with `reason`; later calls do nothing. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const list = this.listeners;
    this.listeners = undefined;
    if (list) for (const listener of list) listener();
  }
}
