/**
 * Options of the RunPod adapter, checked once when it is built: a bad option is
 * `CONFIG_INVALID` naming `runpod.<option>`.
 */
import type { Dispatcher } from 'undici';
import { realClock } from '../../clock.js';
import type { Clock } from '../../clock.js';
import { ComputeError } from '../../errors.js';

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
  if (typeof options !== 'object' || options === null) throw invalid('', 'options must be an object with apiKey');
  const s: RunPodSettings = {
    apiKey: options.apiKey,
    baseUrl: options.baseUrl ?? 'https://api.runpod.io/v2',
    clouds: options.clouds ?? ['SECURE', 'COMMUNITY'],
    network: options.network ?? 'tcp',
    proxyUrl: options.proxyUrl ?? 'https://{podId}-{port}.proxy.runpod.net',
    nodePort: options.nodePort ?? 8000,
    coldStartSec: options.coldStartSec ?? 120,
    billingIncrementSec: options.billingIncrementSec ?? 60,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 3,
    clock: options.clock ?? realClock,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.containerDiskGb !== undefined ? { containerDiskGb: options.containerDiskGb } : {}),
    ...(options.dataCenterIds !== undefined ? { dataCenterIds: options.dataCenterIds } : {}),
    ...(options.args !== undefined ? { args: options.args } : {}),
  };
  if (s.args !== undefined && typeof s.args !== 'string') throw invalid('args', 'must be a string');
  if (!Array.isArray(s.clouds) || s.clouds.length === 0 || s.clouds.some((c) => c !== 'SECURE' && c !== 'COMMUNITY')) {
    throw invalid('clouds', `must list SECURE and/or COMMUNITY (got ${JSON.stringify(s.clouds)})`);
  }
  if (s.network !== 'tcp' && s.network !== 'proxy') throw invalid('network', `must be 'tcp' or 'proxy' (got ${JSON.stringify(s.network)})`);
  if (typeof s.proxyUrl !== 'string' || !s.proxyUrl.startsWith('https://') || !s.proxyUrl.includes('{podId}')) {
    throw invalid('proxyUrl', 'must be an https:// pattern containing {podId}');
  }
  number('nodePort', s.nodePort, Number.isInteger(s.nodePort) && s.nodePort > 0 && s.nodePort < 65_536, 'a TCP port');
  number('coldStartSec', s.coldStartSec, s.coldStartSec >= 0, 'a number >= 0');
  number('billingIncrementSec', s.billingIncrementSec, s.billingIncrementSec >= 1 && s.billingIncrementSec <= 3600, 'from 1 to 3600');
  number('timeoutMs', s.timeoutMs, s.timeoutMs > 0, 'a positive number');
  number('maxAttempts', s.maxAttempts, Number.isInteger(s.maxAttempts) && s.maxAttempts >= 1 && s.maxAttempts <= 10, 'an integer from 1 to 10');
  if (s.containerDiskGb !== undefined) number('containerDiskGb', s.containerDiskGb, Number.isInteger(s.containerDiskGb) && s.containerDiskGb >= 1, 'an integer >= 1');
  if (s.dataCenterIds !== undefined && (!Array.isArray(s.dataCenterIds) || s.dataCenterIds.some((d) => typeof d !== 'string' || d === ''))) {
    throw invalid('dataCenterIds', 'must be an array of data center ids');
  }
  return s;
}

function number(name: string, value: unknown, ok: boolean, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok) throw invalid(name, `must be ${what} (got ${JSON.stringify(value)})`);
}

function invalid(name: string, reason: string): ComputeError {
  const path = name === '' ? 'runpod' : `runpod.${name}`;
  return new ComputeError('CONFIG_INVALID', `${path}: ${reason}`, { details: { path } });
}
