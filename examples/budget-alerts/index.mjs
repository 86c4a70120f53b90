// Purpose: a budget policy with alerts: react to budget events as committed spend crosses 50/80/100 %, watch the spend forecast, and see new work refused once no node fits in what is left.
// Run: node examples/budget-alerts/index.mjs
// @ts-check
import { ComputeError, createCompute } from 'adaptive-compute';
import { LocalMarketplace } from 'adaptive-compute/local';

// A local marketplace with short cold starts and steady prices, so the budget runs
// out in seconds instead of hours. With a real marketplace only the numbers change.
const market = new LocalMarketplace({ coldStartMs: 300, prices: false, preemptionRatePerHour: 0, seed: 7 });
const compute = createCompute({
  marketplace: market,
  journal: false,
  tickMs: 250,
  // Two H100s ($2.49/h each) fit under maxPerHour, a third would not; `total` is a
  // tiny amount so that it is reached within a few seconds of two nodes running.
  budget: { maxPerHour: 6, total: 0.006, currency: 'USD', onBudgetExhausted: 'reject' },
});

/**
 * Where alerts go: in an app, a chat webhook or a pager. Here: stdout.
 * @param {'info' | 'warn' | 'page'} level
 * @param {string} message
 */
function alert(level, message) {
  console.log(`[alert:${level}] ${message}`);
}

/** @type {Set<string>} */
const seen = new Set();
compute.on('budget', (e) => {
  seen.add(`${e.cap}:${e.percent}`);
  // e.reason reads like `global total at 80% ($0.00483 of $0.006 committed)`.
  if (e.percent === 100) alert('page', `${e.reason}: no more capacity under this cap`);
  else if (e.percent === 80) alert('warn', e.reason);
  else alert('info', e.reason);
});
compute.on('lease', (e) => console.log(`[lease] ${e.type} ${e.gpu} $${e.pricePerHour}/h`));

const render = compute.workload('render', {
  gpu: { model: 'H100', interruptible: 'never' },
  image: 'sleep',
  // The latency target asks for more nodes than the budget allows: the budget wins.
  scaling: { maxNodes: 4, concurrencyPerNode: 2, latencyTargetMs: 300, scaleDownDelayMs: 500 },
});

let ok = 0;
let refused = 0;
let forecastShown = false;
// A guard so that the example ends even if the numbers above are changed.
const giveUpAt = Date.now() + 12_000;
try {
  // Keep sending work until the budget refuses it.
  while (refused === 0 && Date.now() < giveUpAt) {
    const batch = Array.from({ length: 8 }, () => render.run({ ms: 200 }, { timeoutMs: 20_000 }));
    for (const result of await Promise.allSettled(batch)) {
      if (result.status === 'fulfilled') ok++;
      else if (result.reason instanceof ComputeError && result.reason.code === 'BUDGET_EXHAUSTED') {
        // The cap stops new capacity before it is full when no node fits in what is left.
        if (refused++ === 0) alert('page', result.reason.message);
      }
      else throw result.reason;
    }
    const { budget } = compute.metrics();
    if (!forecastShown && budget.forecastExhaustedAt !== null) {
      forecastShown = true;
      const inSec = (budget.forecastExhaustedAt - Date.now()) / 1000;
      console.log(`[forecast] at $${budget.hourlyRate.toFixed(2)}/h the total runs out in ${inSec.toFixed(1)} s (${new Date(budget.forecastExhaustedAt).toISOString()})`);
    }
  }
  const { budget } = compute.metrics();
  console.log(`done: ${ok} tasks ran, ${refused} refused with BUDGET_EXHAUSTED`);
  console.log(`spent $${budget.spent.toFixed(5)}, committed $${budget.committed.toFixed(5)} of $${budget.total}`);
  if (!seen.has('total:50')) throw new Error('expected half of the total budget to be committed');
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await compute.shutdown();
  // The marketplace's own bill, to compare with what the SDK counted.
  console.log(`marketplace bill: $${market.server?.account().total.toFixed(5)}`);
  await market.close();
}
