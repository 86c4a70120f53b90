/**
 * Options of the Vast.ai adapter, checked once when it is built: a bad option is
 * `CONFIG_INVALID` naming `vastai.<option>`.
 */
import type { Dispatcher } from 'undici';
import { realClock } from '../../clock.js';
import type { Clock } from '../../clock.js';
import { ComputeError } from '../../errors.js';

/** What `vastai()` takes. */
export interface VastOptions {
  /** Vast.ai API key (Bearer). Kept out of every message, log and JSON. */
  apiKey: string;
  /** Origin plus API prefix; `/api/v1/...` paths are derived from the same origin. @default 'https://console.vast.ai/api/v0' */
  baseUrl?: string;
  /** Container disk per instance, GB (Vast's minimum is 8). @default 16 */
  diskGb?: number;
  /** Port the node listens on in the container, published as TCP (`-p 8000:8000`). @default 8000 */
  nodePort?: number;
  /** Arguments for the image's entrypoint (`runtype: args`); omitted: the image's own command. */
  args?: readonly string[];
  /** Offers below this reliability (`reliability2`, 0..1) are not listed. @default 0.9 */
  minReliability?: number;
  /** Offers asked for per query. @default 64 */
  maxOffers?: number;
  /** Seconds from creation to a serving node assumed for planning (image pull included). @default 180 */
  coldStartSec?: number;
  /** Per-request timeout, ms. @default 30000 */
  timeoutMs?: number;
  /** Attempts per read call (creations look up their label before any retry). @default 3 */
  maxAttempts?: number;
  /** undici dispatcher for API calls (tests). */
  dispatcher?: Dispatcher;
  /** Clock for timeouts, backoff and cool-offs. @default realClock */
  clock?: Clock;
}

/** Options with defaults applied. */
export type VastSettings = Required<Omit<VastOptions, 'dispatcher' | 'args'>> & Pick<VastOptions, 'dispatcher' | 'args'>;

/** Apply defaults and check each option. */
export function vastSettings(options: VastOptions): VastSettings {
  if (typeof options !== 'object' || options === null) throw invalid('', 'options must be an object with apiKey');
  const s: VastSettings = {
    apiKey: options.apiKey,
    baseUrl: options.baseUrl ?? 'https://console.vast.ai/api/v0',
    diskGb: options.diskGb ?? 16,
    nodePort: options.nodePort ?? 8000,
    minReliability: options.minReliability ?? 0.9,
    maxOffers: options.maxOffers ?? 64,
    coldStartSec: options.coldStartSec ?? 180,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 3,
    clock: options.clock ?? realClock,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.args ? { args: options.args } : {}),
  };
  check('diskGb', s.diskGb, Number.isFinite(s.diskGb) && s.diskGb >= 8, 'a number >= 8');
  check('nodePort', s.nodePort, Number.isInteger(s.nodePort) && s.nodePort > 0 && s.nodePort < 65_536, 'a TCP port');
  check('minReliability', s.minReliability, s.minReliability >= 0 && s.minReliability <= 1, 'within 0..1');
  check('maxOffers', s.maxOffers, Number.isInteger(s.maxOffers) && s.maxOffers >= 1 && s.maxOffers <= 1000, 'an integer from 1 to 1000');
  check('coldStartSec', s.coldStartSec, Number.isFinite(s.coldStartSec) && s.coldStartSec >= 0, 'a number >= 0');
  check('timeoutMs', s.timeoutMs, Number.isFinite(s.timeoutMs) && s.timeoutMs > 0, 'a positive number');
  check('maxAttempts', s.maxAttempts, Number.isInteger(s.maxAttempts) && s.maxAttempts >= 1 && s.maxAttempts <= 10, 'an integer from 1 to 10');
  if (s.args !== undefined && (!Array.isArray(s.args) || s.args.some((a) => typeof a !== 'string'))) throw invalid('args', 'must be an array of strings');
  return s;
}

function check(name: string, value: unknown, ok: boolean, what: string): void {
  if (typeof value !== 'number' || !ok) throw invalid(name, `must be ${what} (got ${JSON.stringify(value)})`);
}

function invalid(name: string, reason: string): ComputeError {
  const path = name === '' ? 'vastai' : `vastai.${name}`;
  return new ComputeError('CONFIG_INVALID', `${path}: ${reason}`, { details: { path } });
}
