/**
 * One request answered by msw handlers, delivered to an undici handler: headers,
 * body chunks with backpressure, the end, or exactly one error. Used by
 * {@link HandlersDispatcher}.
 */
import { errors } from 'undici';
import type { Dispatcher } from 'undici';
import type { Clock, Timer } from '../../clock.js';

/** Answers a request, or undefined when no handler matched (msw's `getResponse` has this shape). */
export type RequestAnswerer = (request: Request) => Promise<Response | undefined>;

/** The undici handler callbacks this dispatcher drives, whichever of undici's two handler APIs the caller uses. */
export interface Sink {
  /** The request is under way; `abort` ends it. */
  start(abort: (reason: Error) => void): void;
  /** Status and headers; false asks to pause until `resume()`. */
  headers(status: number, headers: Headers, statusText: string, resume: () => void): boolean;
  /** A body chunk; false asks to pause until `resume()`. */
  data(chunk: Buffer): boolean;
  /** The body is complete. */
  end(): void;
  /** The exchange failed; nothing follows. */
  error(error: Error): void;
}

/** The life of one request, from dispatch to its end or its one error. */
export class Exchange {
  readonly #sink: Sink;
  readonly #onDone: () => void;
  readonly #controller = new AbortController();
  #finished = false;
  #timer: Timer | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #paused = false;
  #resumed: (() => void) | undefined;

  /** @param onDone called once when the exchange ends, however it ends */
  constructor(sink: Sink, onDone: () => void) {
    this.#sink = sink;
    this.#onDone = onDone;
  }

  /** End with `error` (caller abort, dispatcher destroyed, transport failure). No-op once ended. */
  fail(error: Error): void {
    if (!this.#finish()) return;
    this.#controller.abort(error);
    this.#reader?.cancel(error).catch(() => undefined);
    try {
      this.#sink.error(error);
    } catch {
      // The caller's own error callback threw: there is nobody left to tell.
    }
  }

  /** Ask the handlers and deliver their answer. Never rejects: every failure goes to the sink. */
  async run(options: Dispatcher.DispatchOptions, answer: RequestAnswerer, clock: Clock | undefined): Promise<void> {
    try {
      await this.#run(options, answer, clock);
    } catch (error) {
      // A throw from the caller's own callbacks ends the exchange like a transport error.
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async #run(options: Dispatcher.DispatchOptions, answer: RequestAnswerer, clock: Clock | undefined): Promise<void> {
    this.#sink.start((reason) => this.fail(reason));
    if (this.#finished) return;
    const headersTimeout = options.headersTimeout ?? 0;
    if (clock && headersTimeout > 0) this.#timer = clock.setTimeout(() => this.fail(new errors.HeadersTimeoutError()), headersTimeout);
    let response: Response | undefined;
    try {
      const request = new Request(new URL(options.path, options.origin), {
        method: options.method,
        headers: toHeaders(options.headers),
        body: await toBody(options),
        signal: this.#controller.signal,
      });
      response = await answer(request);
    } catch (error) {
      this.fail(new errors.SocketError(`handler failed: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    if (this.#finished) return;
    this.#timer?.cancel();
    if (response === undefined) {
      const url = `${options.origin?.toString() ?? ''}${options.path}`;
      this.fail(Object.assign(new Error(`connect ECONNREFUSED: no request handler for ${options.method} ${url}`), { code: 'ECONNREFUSED' }));
      return;
    }
    if (response.type === 'error') {
      this.fail(new errors.SocketError('other side closed'));
      return;
    }
    const resume = (): void => {
      this.#paused = false;
      this.#resumed?.();
    };
    this.#paused = !this.#sink.headers(response.status, response.headers, response.statusText, resume);
    if (response.body !== null && !(await this.#stream(response.body))) return;
    if (this.#finish()) this.#sink.end();
  }

  /** Deliver the body; false when the exchange ended on the way. */
  async #stream(body: ReadableStream<Uint8Array>): Promise<boolean> {
    const reader = body.getReader();
    this.#reader = reader;
    try {
      for (;;) {
        if (this.#paused) await new Promise<void>((resolve) => (this.#resumed = resolve));
        if (this.#finished) return false;
        const { done, value } = await reader.read();
        if (this.#finished) return false;
        if (done) return true;
        this.#paused = !this.#sink.data(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    } catch (error) {
      this.fail(new errors.SocketError(`response body failed: ${error instanceof Error ? error.message : String(error)}`));
      return false;
    }
  }

  #finish(): boolean {
    if (this.#finished) return false;
    this.#finished = true;
    this.#timer?.cancel();
    this.#onDone();
    return true;
  }
}

/** Drive either undici handler API: the controller-based one, or the legacy callbacks `request()` uses. */
export function toSink(handler: Dispatcher.DispatchHandler): Sink {
  if (typeof handler.onRequestStart === 'function') {
    let abortFn: (reason: Error) => void = () => undefined;
    let aborted = false;
    let reason: Error | null = null;
    let isPaused = false;
    let resumeFn: () => void = () => undefined;
    const controller: Dispatcher.DispatchController = {
      get aborted() {
        return aborted;
      },
      get paused() {
        return isPaused;
      },
      get reason() {
        return reason;
      },
      abort: (why) => {
        aborted = true;
        reason = why;
        abortFn(why);
      },
      pause: () => {
        isPaused = true;
      },
      resume: () => {
        isPaused = false;
        resumeFn();
      },
    };
    return {
      start: (abort) => {
        abortFn = abort;
        handler.onRequestStart?.(controller, {});
      },
      headers: (status, headers, statusText, resume) => {
        resumeFn = resume;
        handler.onResponseStart?.(controller, status, Object.fromEntries(headers), statusText);
        return !isPaused;
      },
      data: (chunk) => {
        handler.onResponseData?.(controller, chunk);
        return !isPaused;
      },
      end: () => handler.onResponseEnd?.(controller, {}),
      error: (error) => handler.onResponseError?.(controller, error),
    };
  }
  return {
    start: (abort) => handler.onConnect?.((err) => abort(err ?? new errors.RequestAbortedError())),
    headers: (status, headers, statusText, resume) => {
      const raw: Buffer[] = [];
      headers.forEach((value, name) => raw.push(Buffer.from(name, 'latin1'), Buffer.from(value, 'latin1')));
      return handler.onHeaders?.(status, raw, resume, statusText) !== false;
    },
    data: (chunk) => handler.onData?.(chunk) !== false,
    end: () => handler.onComplete?.([]),
    error: (error) => handler.onError?.(error),
  };
}

function toHeaders(headers: Dispatcher.DispatchOptions['headers']): Headers {
  const out = new Headers();
  if (headers === null || headers === undefined) return out;
  const add = (name: unknown, value: unknown): void => {
    if (value === undefined || value === null) return;
    for (const one of Array.isArray(value) ? value : [value]) out.append(String(name), String(one));
  };
  if (Array.isArray(headers)) {
    // undici's flat form: [name, value, name, value, ...]
    for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i], headers[i + 1]);
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[string, unknown]>) add(name, value);
  } else {
    for (const [name, value] of Object.entries(headers)) add(name, value);
  }
  return out;
}

async function toBody(options: Dispatcher.DispatchOptions): Promise<Uint8Array | string | undefined> {
  const { body, method } = options;
  if (body === null || body === undefined || method === 'GET' || method === 'HEAD') return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (body as Iterable<unknown>)[Symbol.iterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<string | Uint8Array>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new errors.NotSupportedError('request body type is not supported by the msw dispatcher');
}
