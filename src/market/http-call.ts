/**
 * One marketplace call with its retries: send, classify, maybe wait and send again.
 * Holds no state of its own; the client passes its budget, health and signals in.
 */
import type { z } from 'zod';
import type { Dispatcher } from 'undici';
import { sleep } from '../clock.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../errors.js';
import type { Failure } from './http-errors.js';
import { failureFromError, failureFromStatus, mayHaveBeenProcessed, protocolFailure, toMarketError } from './http-errors.js';
import { sendAttempt } from './http-transport.js';
import { parseRetryAfterMs, retryDelayMs } from './retry.js';
import type { RetryBudget } from './retry-budget.js';

/** What one call needs from the client. */
export interface CallContext {
  dispatcher: Dispatcher;
  origin: string;
  clock: Clock;
  random: () => number;
  timeoutMs: number;
  maxAttempts: number;
  maxResponseBytes: number;
  budget: RetryBudget;
  /** The API key: for the header and for redaction, never for output. */
  secret: string;
  /** Fires when the client closes. */
  closing: AbortSignal;
  /** Told about every attempt's outcome, for `health`. */
  onOutcome(failure: Failure | undefined): void;
  /**
   * Refine the classification of a non-2xx answer from the body (provider adapters:
   * their error bodies are not protocol v1). Must redact with the secret it knows.
   */
  refineFailure?(failure: Failure, body: Buffer | 'too-large'): void;
}

/** The request of one call. */
export interface CallSpec<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Full path with query, base path included. */
  path: string;
  /** `METHOD /v1/...` without query, for messages. */
  label: string;
  /** Schema of the 2xx body. */
  schema: z.ZodType<T>;
  body?: string | undefined;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
}

/** Run `spec` with retries; resolve with the parsed 2xx body or reject with a `MarketError`. */
export async function executeCall<T>(ctx: CallContext, spec: CallSpec<T>): Promise<T> {
  const headers = {
    accept: 'application/json',
    authorization: `Bearer ${ctx.secret}`,
    'user-agent': 'adaptive-compute',
    ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...spec.headers,
  };
  let outcomeUnknown = false;
  for (let attempt = 1; ; attempt++) {
    stopIfCancelled(ctx, spec, attempt - 1, outcomeUnknown);
    const attemptController = new AbortController();
    let timedOut = false;
    const timer = ctx.clock.setTimeout(() => {
      timedOut = true;
      attemptController.abort();
    }, ctx.timeoutMs);
    const unlink = linkAbort(attemptController, [spec.signal, ctx.closing]);
    const outcome = await sendAttempt({
      dispatcher: ctx.dispatcher,
      origin: ctx.origin,
      path: spec.path,
      method: spec.method,
      headers,
      body: spec.body,
      signal: attemptController.signal,
      timeoutMs: ctx.timeoutMs,
      maxResponseBytes: ctx.maxResponseBytes,
    }).finally(() => {
      timer.cancel();
      unlink();
    });

    let failure: Failure;
    if (outcome.kind === 'failed') {
      // Cancelled mid-exchange: a POST may already have been acted on.
      stopIfCancelled(ctx, spec, attempt, outcomeUnknown || creates(spec));
      failure = failureFromError(outcome.error, timedOut, ctx.timeoutMs, ctx.secret);
    } else if (outcome.status >= 200 && outcome.status < 300) {
      const parsed = parseBody(outcome.body, spec.schema, ctx);
      if (parsed.ok) {
        ctx.onOutcome(undefined);
        ctx.budget.recordSuccess();
        return parsed.value;
      }
      failure = parsed.failure;
    } else {
      const hint = parseRetryAfterMs(outcome.headers, ctx.clock.now());
      failure = failureFromStatus(outcome.status, outcome.headers, outcome.body, ctx.secret, hint);
      ctx.refineFailure?.(failure, outcome.body);
    }

    ctx.onOutcome(failure);
    // A lease POST that may have reached the server is "unknown", not "failed" (DESIGN §6):
    // the caller reconciles by tag before creating again. Sticky across attempts.
    outcomeUnknown ||= creates(spec) && mayHaveBeenProcessed(failure);
    if (outcomeUnknown) failure.details.outcomeUnknown = true;
    if (!failure.transient || attempt >= ctx.maxAttempts) throw toMarketError(spec.label, failure, attempt);
    // Never resend what may have been acted on: the caller looks it up first (a marketplace
    // may ignore Idempotency-Key, and then a blind resend rents a second node).
    if (outcomeUnknown) throw toMarketError(spec.label, failure, attempt, '; outcome unknown, not resent');
    if (!ctx.budget.tryAcquire(failure.timeout ? 'timeout' : 'retry')) {
      failure.details.retryBudgetExhausted = true;
      throw toMarketError(spec.label, failure, attempt, '; retry budget exhausted, not retried');
    }
    const delay = retryDelayMs({ retry: attempt - 1, hintMs: failure.retryAfterMs, random: ctx.random });
    const sleeper = new AbortController();
    const unlinkSleep = linkAbort(sleeper, [spec.signal, ctx.closing]);
    try {
      await sleep(ctx.clock, delay, sleeper.signal);
    } catch {
      stopIfCancelled(ctx, spec, attempt, outcomeUnknown);
    } finally {
      unlinkSleep();
    }
  }
}

/** Methods that create something (a POST, or a provider's PUT): not safe to repeat blindly. */
function creates(spec: CallSpec<unknown>): boolean {
  return spec.method === 'POST' || spec.method === 'PUT';
}

type Parsed<T> = { ok: true; value: T } | { ok: false; failure: Failure };

function parseBody<T>(body: Buffer | 'too-large', schema: z.ZodType<T>, ctx: CallContext): Parsed<T> {
  if (body === 'too-large') {
    return fail(`response body is larger than ${ctx.maxResponseBytes} bytes`, { tooLarge: true });
  }
  let json: unknown;
  try {
    // An empty body (a provider's 204) reads as null: the schema says whether that is fine.
    json = body.length === 0 ? null : JSON.parse(body.toString('utf8'));
  } catch {
    // The SyntaxError quotes the body, which may echo anything: say only what failed.
    return fail('response body is not valid JSON', {});
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const text = issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
  return fail(`response body is not protocol v1: ${text}`, { paths: issues.map((i) => i.path) });

  function fail(reason: string, details: Record<string, unknown>): Parsed<T> {
    return { ok: false, failure: protocolFailure(reason, ctx.secret, details) };
  }
}

/** Throw `ABORTED` (caller's signal) or `SHUTDOWN` (client closed) if either fired. */
function stopIfCancelled(ctx: CallContext, spec: CallSpec<unknown>, attempts: number, outcomeUnknown: boolean): void {
  const details = outcomeUnknown ? { attempts, outcomeUnknown } : { attempts };
  if (spec.signal?.aborted) {
    const reason: unknown = spec.signal.reason;
    throw new MarketError('ABORTED', `${spec.label}: aborted by the caller`, { request: spec.label }, {
      details,
      ...(reason instanceof Error ? { cause: reason } : {}),
    });
  }
  if (ctx.closing.aborted) {
    throw new MarketError('SHUTDOWN', `${spec.label}: the marketplace client was closed`, { request: spec.label }, { details });
  }
}

function linkAbort(target: AbortController, sources: readonly (AbortSignal | undefined)[]): () => void {
  const abort = (): void => target.abort();
  const live = sources.filter((s): s is AbortSignal => s !== undefined);
  for (const s of live) {
    if (s.aborted) abort();
    else s.addEventListener('abort', abort, { once: true });
  }
  return () => {
    for (const s of live) s.removeEventListener('abort', abort);
  };
}
