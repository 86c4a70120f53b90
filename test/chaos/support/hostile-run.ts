/**
 * Drives the public API against the hostile marketplace: a `createCompute()` with
 * `marketplace: { url, apiKey }`, `budget.total` 0.30 on the $36/h offer, every
 * event captured (for the warnings and the secret check), short cold starts and
 * timeouts so that each scenario takes seconds.
 */
import { inspect } from 'node:util';
import { expect, onTestFinished } from 'vitest';
import { createCompute, type Compute, type ComputeOptions, type WarningEvent } from '../../../src/index.js';
import type { HostileMarket } from './hostile-market.js';

/** The total every scenario runs under, $. */
export const TOTAL = 0.3;

/** One scenario's runtime and what it captured. */
export interface HostileRun {
  compute: Compute;
  warnings: WarningEvent[];
  captured: unknown[];
  /** Warnings whose error says `details.warning === kind`. */
  warningsOf(kind: string): WarningEvent[];
  /** Every captured event, metrics and the runtime, rendered: for the secret check. */
  text(): string;
}

/** Start a runtime on `market` (shut down when the test ends). */
export function hostileRun(market: HostileMarket, options: Partial<ComputeOptions> = {}): HostileRun {
  const compute = createCompute({
    marketplace: { url: market.url, apiKey: market.apiKey, timeoutMs: 2_000, maxAttempts: 3 },
    budget: { total: TOTAL },
    journal: false,
    tickMs: 200,
    ...options,
  });
  const warnings: WarningEvent[] = [];
  const captured: unknown[] = [];
  compute.on('warning', (e) => warnings.push(e));
  for (const name of ['scale', 'lease', 'budget', 'warning'] as const) compute.on(name, (e: unknown) => captured.push(e));
  onTestFinished(async () => {
    await compute.shutdown({ graceMs: 0, releaseTimeoutMs: 500 }).catch(() => undefined);
    await market.close();
  });
  return {
    compute,
    warnings,
    captured,
    warningsOf: (kind) => warnings.filter((w) => w.error.details.warning === kind),
    text: () =>
      captured.map((e) => `${inspect(e, { depth: 10 })}\n${JSON.stringify(e)}`).join('\n') + inspect(compute) + JSON.stringify(compute.metrics()),
  };
}

/** Poll `check` every 50 ms until it holds, or fail after `ms`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** No API key or node token the market handed out shows in anything captured. */
export function expectNoSecrets(run: HostileRun, market: HostileMarket): void {
  const text = run.text();
  for (const secret of [market.apiKey, ...market.leases().map((l) => l.token)]) expect(text).not.toContain(secret);
}

/** A workload on the hostile market's A100 offer. */
export function hostileWorkload(compute: Compute, name = 'hostile', scaling: Record<string, number> = {}) {
  return compute.workload(name, {
    gpu: { model: 'A100', interruptible: 'never' },
    image: 'ghcr.io/acme/echo:1',
    scaling: { maxNodes: 3, concurrencyPerNode: 2, latencyTargetMs: 400, scaleDownDelayMs: 400, ...scaling },
    maxAttempts: 3,
  });
}
