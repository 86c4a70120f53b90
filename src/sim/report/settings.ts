/**
 * The settings a report was made with, as labelled lines: printed at the top of
 * the terminal report and of the HTML page, so that every number below can be
 * traced to the assumptions behind it (and to `--policy` to change them).
 */
import { formatRate } from '../../util/money.js';
import type { SimReport } from './types.js';
import { MODELLED_SCALING } from '../workload-policy.js';

/** One labelled setting. */
export interface SettingLine {
  label: string;
  value: string;
  /** Why this value (the default's provenance, or "policy.json"). */
  note?: string;
}

/** The report's trace and settings as lines; `fromPolicy` names the keys `policy.json` set. */
export function settingLines(report: SimReport, fromPolicy: readonly string[] = []): SettingLine[] {
  const s = report.settings;
  const t = report.trace;
  // Written in policy.json (at the top level or in its `scaling`), or left to the SDK's
  // default by a `scaling` that does not name it, or the simulator's own default.
  const from = (key: string, note: string): string => {
    if (fromPolicy.includes(key) || fromPolicy.includes(`scaling.${key}`)) return 'from policy.json';
    if (fromPolicy.includes('scaling') && (MODELLED_SCALING as readonly string[]).includes(key)) return `the SDK's default for scaling.${key}`;
    return note;
  };
  const svc =
    t.serviceSource === 'trace'
      ? 'from the trace'
      : t.serviceSource === 'tokens'
        ? `${s.serviceTime.baseMs} ms + ${s.serviceTime.msPerInputToken} ms/input token + ${s.serviceTime.msPerOutputToken} ms/output token`
        : `${s.serviceTime.defaultMs} ms each (no size in the trace)`;
  const lines: SettingLine[] = [
    { label: 'trace', value: `${t.name} (${t.format}), ${t.requests.toLocaleString('en-US')} requests over ${(t.spanSec / 3600).toFixed(2)} h` },
    { label: 'service time', value: svc, note: `mean ${Math.round(t.meanServiceMs)} ms, p99 ${Math.round(t.p99ServiceMs)} ms` },
    { label: 'latency target', value: `${s.latencyTargetMs} ms per request (queue wait + service)`, note: s.latencyTargetSource },
    { label: 'cold start', value: `${s.coldStartSec} s`, note: from('coldStartSec', 'default: 15 s boot + 45 s model load (p95, Alibaba GenAI base-model loads)') },
    { label: 'slots per node', value: String(s.concurrencyPerNode), note: from('concurrencyPerNode', 'default') },
    { label: 'price', value: `${formatRate(s.pricePerHour)} per node, billed per ${s.billingIncrementSec} s, minimum ${s.minLeaseSec} s`, note: from('pricePerHour', 'default') },
    { label: 'nodes', value: `${s.minNodes} to ${s.maxNodes}; warm start ${s.warmStart ? 'on' : 'off'}`, note: 'autoscalers start with the nodes the busiest minute of the first cold start needs' },
    { label: 'our policy', value: `tick ${s.tickMs} ms, scale-down delay ${s.scaleDownDelayMs} ms`, note: from('scaleDownDelayMs', "default: the SDK's") },
    {
      label: 'spot',
      value: s.spot ? `${Math.round(s.spot.priceFactor * 100)} % of on-demand; ${report.settings.spotSource ?? ''}` : 'off (enable with "spot": {} in policy.json)',
    },
    { label: 'seed', value: String(report.seed) },
  ];
  for (const note of t.notes) lines.push({ label: 'note', value: note });
  return lines;
}
