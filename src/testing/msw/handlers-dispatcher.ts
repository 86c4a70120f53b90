/**
 * An undici `Dispatcher` that answers every request in-process from msw request
 * handlers. Our SDK sends HTTP with undici's own `request()`/`Pool`, which msw's
 * `setupServer` does not intercept; passing this dispatcher as
 * `marketplace.dispatcher` and `nodeDispatcher` routes the SDK's marketplace and
 * node calls through the handlers instead, with no socket and no global patching.
 *
 * A request no handler answers fails like a refused connection (`ECONNREFUSED`);
 * a handler that answers `Response.error()` fails like a dropped one
 * (`UND_ERR_SOCKET`). Response bodies are streamed chunk by chunk with
 * backpressure, so server-sent events arrive as they are produced.
 */
import { Dispatcher, errors } from 'undici';
import type { Clock } from '../../clock.js';
import { Exchange, toSink } from './exchange.js';
import type { RequestAnswerer } from './exchange.js';

export type { RequestAnswerer } from './exchange.js';

/** See the file comment. */
export class HandlersDispatcher extends Dispatcher {
  readonly #answer: RequestAnswerer;
  readonly #clock: Clock | undefined;
  readonly #inFlight = new Set<Exchange>();
  #closed = false;

  /**
   * @param answer resolves a `Request` to a `Response` (e.g. msw's `getResponse` bound to handlers)
   * @param clock drives the per-request `headersTimeout` when one is given; without a clock, no timeout applies
   */
  constructor(answer: RequestAnswerer, clock?: Clock) {
    super();
    this.#answer = answer;
    this.#clock = clock;
  }

  /** Answer one request from the handlers; never busy, so always true. */
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const sink = toSink(handler);
    if (this.#closed) {
      queueMicrotask(() => sink.error(new errors.ClientDestroyedError()));
      return true;
    }
    const exchange = new Exchange(sink, () => this.#inFlight.delete(exchange));
    this.#inFlight.add(exchange);
    // run() routes every failure to the handler; nothing is left to reject here.
    void exchange.run(options, this.#answer, this.#clock);
    return true;
  }

  /** Refuse new requests (they fail with `ClientDestroyedError`); requests in flight run to their end. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    if (callback) {
      queueMicrotask(callback);
      return;
    }
    return Promise.resolve();
  }

  /** Refuse new requests and fail the ones in flight with `err` (default `ClientDestroyedError`). */
  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    this.#closed = true;
    const reason = errOrCallback instanceof Error ? errOrCallback : new errors.ClientDestroyedError();
    for (const exchange of [...this.#inFlight]) exchange.fail(reason);
    const done = typeof errOrCallback === 'function' ? errOrCallback : callback;
    if (done) {
      queueMicrotask(done);
      return;
    }
    return Promise.resolve();
  }
}
