/**
 * `adaptive-compute demo`: replay a recorded demand burst through one workload on
 * an embedded local marketplace whose nodes are real agent processes, show what the
 * controller does, and end with what it cost next to owning the peak. It uses only
 * the SDK's public API (createCompute, workload, events, metrics, LocalMarketplace).
 */
import { z } from 'zod';
import { realClock } from '../../clock.js';
import { createCompute } from '../../compute.js';
import { LocalMarketplace } from '../../local/market/local-marketplace.js';
import { EXIT } from '../command.js';
import type { BurstKind } from './burst.js';
import { percentiles } from './percentiles.js';
import { planDemo } from './plan.js';
import { DemoRecorder } from './recorder.js';
import type { DemoStatus } from './status.js';
import { money } from './status.js';
import type { DemoSummary } from './summary.js';
import { owningPeak, summaryTable } from './summary.js';
import type { DemoPlan } from './plan.js';
import { wrap } from './wrap.js';
import { liveView, plainView } from './views.js';
import type { TextOut } from './views.js';

/** Parsed demo flags. */
export interface DemoOptions {
  durationSec: number;
  budget: number;
  json: boolean;
  seed: number;
  burst: BurstKind;
  maxNodes: number;
}

/** Where the demo writes. */
export interface DemoIo {
  stdout: TextOut & { isTTY?: boolean };
  stderr: TextOut;
}

const GPU = 'A100';
/** After `--duration`, wait at most this long for the first scale-down, ms. */
const SCALE_DOWN_GRACE_MS = 15_000;
/** How long tasks in flight may take to finish at the end (or after Ctrl-C), ms. */
const SHUTDOWN_GRACE_MS = 5_000;

/** A timer that keeps the process alive (the SDK's own timers do not, by design). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => void realClock.setTimeout(resolve, ms).keepAlive(true));
}

/** Run the demo; resolves with the exit code. */
export async function runDemo(options: DemoOptions, io: DemoIo): Promise<number> {
  const clock = realClock;
  const plan = planDemo(options.durationSec, options.burst, options.seed);
  const human = options.json ? io.stderr : io.stdout;
  const view = !options.json && io.stdout.isTTY ? liveView(io.stdout) : plainView(human);
  const market = new LocalMarketplace({ seed: options.seed, coldStartMs: plan.coldStartMs, slots: plan.slots, defaultHandler: 'tokens' });
  const compute = createCompute({ marketplace: market, budget: { total: options.budget }, tickMs: plan.tickMs, clientId: `demo-${process.pid}` });
  const chat = compute.workload('chat', {
    gpu: { model: GPU },
    image: 'tokens',
    // The emulated LLM's speed reaches the agents as the lease's environment.
    env: {
      TOKENS_BASE_MS: String(plan.tokens.baseMs),
      TOKENS_MS_PER_INPUT_TOKEN: String(plan.tokens.msPerInputToken),
      TOKENS_MS_PER_OUTPUT_TOKEN: String(plan.tokens.msPerOutputToken),
    },
    scaling: {
      minNodes: 0,
      maxNodes: options.maxNodes,
      latencyTargetMs: plan.latencyTargetMs,
      concurrencyPerNode: plan.slots,
      scaleDownDelayMs: plan.scaleDownDelayMs,
    },
    input: z.object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() }),
  });

  const startedAt = clock.now();
  const elapsedSec = (): number => (clock.now() - startedAt) / 1000;
  const recorder = new DemoRecorder(compute, elapsedSec, (at, text) => view.event(at, text));
  const { requests } = plan.burst;
  let arrived = 0;
  const status = (): DemoStatus => {
    const m = compute.metrics();
    const w = m.workloads.chat;
    const last = recorder.decisions[recorder.decisions.length - 1];
    return {
      elapsedSec: elapsedSec(),
      durationSec: options.durationSec,
      arrived,
      total: requests.length,
      ok: recorder.ok,
      failed: recorder.failed,
      queued: w?.queued ?? 0,
      running: w?.running ?? 0,
      nodes: w?.nodes ?? { requested: 0, provisioning: 0, ready: 0, draining: 0 },
      p95Ms: w?.latencyMs.p95 ?? null,
      targetMs: plan.latencyTargetMs,
      spent: m.budget.spent,
      budget: options.budget,
      currency: m.budget.currency,
      lastScale: last ? { atSec: last.atSec, desired: last.desired, direction: last.direction, reason: last.reason } : undefined,
    };
  };

  human.write(header(plan, requests.length, options.budget, options.json ? undefined : io.stdout.columns));
  let interrupted = false;
  let interruptedAtSec: number | null = null;
  const onSigint = (): void => {
    // A second Ctrl-C: quit now (the agents follow this process out).
    if (interrupted) process.exit(130);
    interrupted = true;
    interruptedAtSec = elapsedSec();
    const running = compute.metrics().workloads.chat?.running ?? 0;
    view.event(interruptedAtSec, `interrupted: renting nothing more; ${running} running tasks may finish (up to ${SHUTDOWN_GRACE_MS / 1000} s), then every lease is released (Ctrl-C again to quit at once)`);
    // Stops the controller at once; queued tasks reject with SHUTDOWN.
    void compute.shutdown({ graceMs: SHUTDOWN_GRACE_MS });
  };
  process.on('SIGINT', onSigint);
  let refreshing = true;
  const refresher = (async () => {
    while (refreshing) {
      view.status(status());
      await pause(io.stdout.isTTY && !options.json ? 250 : 500);
    }
  })();

  const settled: Promise<void>[] = [];
  for (const request of requests) {
    if (interrupted) break;
    const wait = startedAt + request.atMs - clock.now();
    if (wait > 0) await pause(wait);
    arrived++;
    const submittedAt = clock.now();
    settled.push(
      chat.run({ inputTokens: request.inputTokens, outputTokens: request.outputTokens }).then(
        () => recorder.succeeded(clock.now() - submittedAt),
        (error: unknown) => recorder.failedWith(error),
      ),
    );
  }
  await Promise.all(settled);
  // Let the run last --duration, then give the controller a little longer to scale down if it has not yet.
  while (!interrupted && elapsedSec() < options.durationSec) await pause(100);
  const graceEnds = clock.now() + SCALE_DOWN_GRACE_MS;
  while (!interrupted && compute.metrics().leases.live > 0 && recorder.downs === 0 && clock.now() < graceEnds) await pause(100);

  await compute.shutdown({ graceMs: SHUTDOWN_GRACE_MS });
  const account = market.server?.account();
  await market.close();
  refreshing = false;
  await refresher;
  process.off('SIGINT', onSigint);
  view.close(status());

  const nodeSeconds = account?.leases.reduce((sum, l) => sum + l.billedSec, 0) ?? 0;
  const summary: DemoSummary = {
    burst: { source: plan.burst.source, requests: requests.length, windowSec: plan.burst.spanMs / 1000 },
    durationSec: options.durationSec,
    wallSec: Math.round(elapsedSec() * 10) / 10,
    tasks: { total: arrived, succeeded: recorder.ok, failed: recorder.failed, failures: recorder.failures },
    latencyMs: { ...percentiles(recorder.latencies), target: plan.latencyTargetMs },
    nodes: { peak: recorder.peakNodes, leases: recorder.leases, preempted: recorder.preempted },
    nodeSeconds,
    cost: account?.total ?? 0,
    sdkSpent: Math.round(compute.metrics().budget.spent * 1e6) / 1e6,
    budget: options.budget,
    currency: account?.currency ?? 'USD',
    owningPeak: owningPeak(recorder.peakNodes, elapsedSec(), account?.total ?? 0, nodeSeconds),
    scale: { up: recorder.ups, down: recorder.downs, decisions: recorder.decisions },
    interruptedAtSec: interruptedAtSec === null ? null : Math.round(interruptedAtSec * 10) / 10,
  };
  if (options.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else io.stdout.write(`${summaryTable(summary)}\n`);
  if (interrupted) return 130;
  return recorder.ok > 0 ? EXIT.ok : EXIT.failure;
}

/** The opening lines, word-wrapped to the terminal's width (never cut mid-word). */
export function header(plan: DemoPlan, requests: number, budget: number, columns: number | undefined): string {
  const lines = [
    `adaptive-compute demo: ${requests} requests from ${plan.burst.source}`,
    `  replayed in ${(plan.burst.spanMs / 1000).toFixed(1)} s (time-lapse x${plan.timeLapse.toFixed(1)}) on emulated ${GPU} nodes ` +
      `(cold start ${plan.coldStartMs / 1000} s, ${plan.slots} slots), p95 target ${plan.latencyTargetMs} ms ` +
      `(the trace's ${plan.traceTargetMs / 1000} s at this time-lapse), budget ${money(budget)}`,
  ];
  return lines.map((line) => wrap(line, columns, '    ')).join('\n') + '\n';
}
