/**
 * Options of the RunPod adapter, checked once when it is built: a bad option is
 * `CONFIG_INVALID` naming `runpod.<option>`.
 */
import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock.js';
import { checkCommonSettings, commonDefaults, checkNumber, invalidOption } from '../options-common.js';

/** RunPod's cloud tiers. */
export type RunPodCloud = 'SECURE' | 'COMMUNITY';

/** What `runpod()` takes. */
export interface RunPodOptions {
  /** RunPod API key (Bearer). Kept out of every message, log and JSON. */
  apiKey: string;
  /** Origin plus API prefix. @default 'https://api.runpod.io/v2' */
  baseUrl?: string;
  /** Cloud tiers to rent from; each GPU type is one offer per tier. @default ['SECURE', 'COMMUNITY'] */
  clouds?: readonly RunPodCloud[];
  /**
   * How the SDK reaches a pod: `tcp` publishes the node port as `<port>/tcp` and
   * connects to the pod's public IP over TLS pinned to the lease's key; `proxy`
   * publishes `<port>/http` and goes through RunPod's HTTPS proxy (normal
   * certificate checks; the proxy cuts requests at 100 s). @default 'tcp'
   */
  network?: 'tcp' | 'proxy';
  /** Pattern of the proxy URL (`{podId}`, `{port}`). @default 'https://{podId}-{port}.proxy.runpod.net' */
  proxyUrl?: string;
  /** Port the node listens on in the container. @default 8000 */
  nodePort?: number;
  /** Arguments for the image's entrypoint (`args`); omitted: the image's own command. */
  args?: string;
  /** Container disk per pod, GB; omitted: RunPod's default. */
  containerDiskGb?: number;
  /** Preferred data centers (`dataCenterIds`); omitted: RunPod chooses. */
  dataCenterIds?: readonly string[];
  /** Seconds from creation to a serving node assumed for planning. @default 120 */
  coldStartSec?: number;
  /**
   * Billing increment the budget counts, s. RunPod's pricing page says per second, its
   * overview per minute: the larger is counted until you have measured. @default 60
   */
  billingIncrementSec?: number;
  /** Per-request timeout, ms. @default 30000 */
  timeoutMs?: number;
  /** Attempts per read call (creations look up their name before any retry). @default 3 */
  maxAttempts?: number;
  /** undici dispatcher for API calls (tests). */
  dispatcher?: Dispatcher;
  /** Clock for timeouts, backoff and cool-offs. @default realClock */
  clock?: Clock;
}

/** Options with defaults applied. */
export type RunPodSettings = Required<Omit<RunPodOptions, 'dispatcher' | 'containerDiskGb' | 'dataCenterIds' | 'args'>> &
  Pick<RunPodOptions, 'dispatcher' | 'containerDiskGb' | 'dataCenterIds' | 'args'>;

/** Apply defaults and check each option. */
export function runpodSettings(options: RunPodOptions): RunPodSettings {
  if (typeof options !== 'object' || options === null) throw invalidOption('runpod', '', 'options must be an object with apiKey');
  const s: RunPodSettings = {
    ...commonDefaults(options, { baseUrl: 'https://api.runpod.io/v2', coldStartSec: 120 }),
    clouds: options.clouds ?? ['SECURE', 'COMMUNITY'],
    network: options.network ?? 'tcp',
    proxyUrl: options.proxyUrl ?? 'https://{podId}-{port}.proxy.runpod.net',
    billingIncrementSec: options.billingIncrementSec ?? 60,
    ...(options.containerDiskGb !== undefined ? { containerDiskGb: options.containerDiskGb } : {}),
    ...(options.dataCenterIds !== undefined ? { dataCenterIds: options.dataCenterIds } : {}),
    ...(options.args !== undefined ? { args: options.args } : {}),
  };
  if (s.args !== undefined && typeof s.args !== 'string') throw invalidOption('runpod', 'args', 'must be a string');
  if (!Array.isArray(s.clouds) || s.clouds.length === 0 || s.clouds.some((c) => c !== 'SECURE' && c !== 'COMMUNITY')) {
    throw invalidOption('runpod', 'clouds', `must list SECURE and/or COMMUNITY (got ${JSON.stringify(s.clouds)})`);
  }
  if (s.network !== 'tcp' && s.network !== 'proxy') throw invalidOption('runpod', 'network', `must be 'tcp' or 'proxy' (got ${JSON.stringify(s.network)})`);
  if (typeof s.proxyUrl !== 'string' || !s.proxyUrl.startsWith('https://') || !s.proxyUrl.includes('{podId}')) {
    throw invalidOption('runpod', 'proxyUrl', 'must be an https:// pattern containing {podId}');
  }
  checkCommonSettings('runpod', s);
  checkNumber('runpod', 'billingIncrementSec', s.billingIncrementSec, s.billingIncrementSec >= 1 && s.billingIncrementSec <= 3600, 'from 1 to 3600');
  if (s.containerDiskGb !== undefined) checkNumber('runpod', 'containerDiskGb', s.containerDiskGb, Number.isInteger(s.containerDiskGb) && s.containerDiskGb >= 1, 'an integer >= 1');
  if (s.dataCenterIds !== undefined && (!Array.isArray(s.dataCenterIds) || s.dataCenterIds.some((d) => typeof d !== 'string' || d === ''))) {
    throw invalidOption('runpod', 'dataCenterIds', 'must be an array of data center ids');
  }
  return s;
}
