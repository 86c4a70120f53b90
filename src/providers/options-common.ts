/**
 * Options every provider adapter has (key, base URL, node port, cold start,
 * timeout, attempts, dispatcher, clock), defaulted and checked the same way
 * everywhere; a bad option is `CONFIG_INVALID` naming `<provider>.<option>`.
 */
import type { Dispatcher } from 'undici';
import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { ComputeError } from '../errors.js';

/** The options every adapter takes (each adapter documents them with its own defaults). */
export interface CommonProviderOptions {
  apiKey: string;
  baseUrl?: string;
  nodePort?: number;
  coldStartSec?: number;
  timeoutMs?: number;
  maxAttempts?: number;
  dispatcher?: Dispatcher;
  clock?: Clock;
}

/** The options every adapter has, after defaults. */
export interface CommonProviderSettings {
  apiKey: string;
  baseUrl: string;
  nodePort: number;
  coldStartSec: number;
  timeoutMs: number;
  maxAttempts: number;
  clock: Clock;
  dispatcher?: Dispatcher;
}

/** The common options with defaults: the provider's base URL and cold start; port 8000, 30 s, 3 attempts. */
export function commonDefaults(options: CommonProviderOptions, defaults: { baseUrl: string; coldStartSec: number }): CommonProviderSettings {
  return {
    apiKey: options.apiKey,
    baseUrl: options.baseUrl ?? defaults.baseUrl,
    nodePort: options.nodePort ?? 8000,
    coldStartSec: options.coldStartSec ?? defaults.coldStartSec,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 3,
    clock: options.clock ?? realClock,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  };
}

/** `CONFIG_INVALID` for `<provider>.<name>` (or `<provider>` itself when `name` is empty). */
export function invalidOption(provider: string, name: string, reason: string): ComputeError {
  const path = name === '' ? provider : `${provider}.${name}`;
  return new ComputeError('CONFIG_INVALID', `${path}: ${reason}`, { details: { path } });
}

/** @throws ComputeError `CONFIG_INVALID` unless `value` is a finite number and `ok`. */
export function checkNumber(provider: string, name: string, value: unknown, ok: boolean, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok) throw invalidOption(provider, name, `must be ${what} (got ${JSON.stringify(value)})`);
}

/** Check the options every adapter has. */
export function checkCommonSettings(provider: string, s: CommonProviderSettings): void {
  checkNumber(provider, 'nodePort', s.nodePort, Number.isInteger(s.nodePort) && s.nodePort > 0 && s.nodePort < 65_536, 'a TCP port');
  checkNumber(provider, 'coldStartSec', s.coldStartSec, s.coldStartSec >= 0, 'a number >= 0');
  checkNumber(provider, 'timeoutMs', s.timeoutMs, s.timeoutMs > 0, 'a positive number');
  checkNumber(provider, 'maxAttempts', s.maxAttempts, Number.isInteger(s.maxAttempts) && s.maxAttempts >= 1 && s.maxAttempts <= 10, 'an integer from 1 to 10');
}
