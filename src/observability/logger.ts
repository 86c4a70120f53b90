/**
 * Opt-in structured logging. Any pino-compatible logger works (`info(obj, msg)`);
 * so does `console` for a quick look. What is logged comes from the runtime's events,
 * which carry no secret; string fields are still scrubbed of the API key as a last guard.
 */
import type { Compute } from '../api.js';

/** The part of a pino (or bunyan, or console-like) logger we call. */
export interface Logger {
  debug?(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error?(obj: Record<string, unknown>, msg?: string): void;
}

/** Replace every occurrence of a secret in string fields (one level deep) with `***`. */
export function scrub(fields: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown> {
  const live = secrets.filter((s) => s.length >= 4);
  if (live.length === 0) return fields;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = typeof v === 'string' ? live.reduce((text, s) => text.split(s).join('***'), v) : v;
  }
  return out;
}

/** Log the runtime's events through `logger`. Returns a function that stops it. */
export function attachLogger(compute: Compute, logger: Logger, secrets: readonly string[]): () => void {
  const log = (level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void => {
    const clean = scrub(fields, secrets);
    if (level === 'warn') logger.warn(clean, scrub({ msg }, secrets).msg as string);
    else logger.info(clean, scrub({ msg }, secrets).msg as string);
  };
  const onScale = (e: Parameters<Parameters<typeof compute.on<'scale'>>[1]>[0]): void =>
    log('info', { event: 'scale', workload: e.workload, desired: e.desired, added: e.added, restored: e.restored, drained: e.drained, released: e.released, at: e.at }, e.reason);
  const onLease = (e: Parameters<Parameters<typeof compute.on<'lease'>>[1]>[0]): void =>
    log(e.type === 'failed' || e.type === 'preempted' ? 'warn' : 'info', { event: 'lease', type: e.type, workload: e.workload, leaseId: e.leaseId, offerId: e.offerId, gpu: e.gpu, pricePerHour: e.pricePerHour, at: e.at }, e.reason);
  const onBudget = (e: Parameters<Parameters<typeof compute.on<'budget'>>[1]>[0]): void =>
    log(e.percent >= 80 ? 'warn' : 'info', { event: 'budget', cap: e.cap, scope: e.scope, percent: e.percent, value: e.value, limit: e.limit, currency: e.currency, at: e.at }, e.reason);
  const onWarning = (e: Parameters<Parameters<typeof compute.on<'warning'>>[1]>[0]): void =>
    log('warn', { event: 'warning', during: e.during, code: e.error.code, at: e.at }, e.message);
  compute.on('scale', onScale);
  compute.on('lease', onLease);
  compute.on('budget', onBudget);
  compute.on('warning', onWarning);
  return () => {
    compute.off('scale', onScale);
    compute.off('lease', onLease);
    compute.off('budget', onBudget);
    compute.off('warning', onWarning);
  };
}
