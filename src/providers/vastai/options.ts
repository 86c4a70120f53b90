/**
 * Options of the Vast.ai adapter, checked once when it is built: a bad option is
 * `CONFIG_INVALID` naming `vastai.<option>`.
 */
import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock.js';
import { checkCommonSettings, commonDefaults, checkNumber, invalidOption } from '../options-common.js';

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
  if (typeof options !== 'object' || options === null) throw invalidOption('vastai', '', 'options must be an object with apiKey');
  const s: VastSettings = {
    ...commonDefaults(options, { baseUrl: 'https://console.vast.ai/api/v0', coldStartSec: 180 }),
    diskGb: options.diskGb ?? 16,
    minReliability: options.minReliability ?? 0.9,
    maxOffers: options.maxOffers ?? 64,
    ...(options.args ? { args: options.args } : {}),
  };
  checkNumber('vastai', 'diskGb', s.diskGb, s.diskGb >= 8, 'a number >= 8');
  checkNumber('vastai', 'minReliability', s.minReliability, s.minReliability >= 0 && s.minReliability <= 1, 'within 0..1');
  checkNumber('vastai', 'maxOffers', s.maxOffers, Number.isInteger(s.maxOffers) && s.maxOffers >= 1 && s.maxOffers <= 1000, 'an integer from 1 to 1000');
  checkCommonSettings('vastai', s);
  if (s.args !== undefined && (!Array.isArray(s.args) || s.args.some((a) => typeof a !== 'string'))) throw invalidOption('vastai', 'args', 'must be an array of strings');
  return s;
}
