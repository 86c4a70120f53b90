// Purpose: pause a workload outside its schedule (scale to zero, hold new work) and resume it inside, e.g. batch jobs that may only rent GPUs off-peak.
// Run: node examples/pause-resume/index.mjs   (one "day" plays in about 6 seconds)
// @ts-check
import { setTimeout as wait } from 'node:timers/promises';
import { createCompute } from 'adaptive-compute';
import { LocalMarketplace } from 'adaptive-compute/local';

/** Hours of the day when the workload may rent nodes (off-peak: cheaper capacity). */
const OPEN_HOURS = [
  { from: 0, to: 8 },
  { from: 20, to: 24 },
];
/** Real milliseconds per scheduled hour: a day in 6 s. In production: 3_600_000. */
const HOUR_MS = 250;

/** @param {number} hour */
const isOpen = (hour) => OPEN_HOURS.some((w) => hour >= w.from && hour < w.to);

const market = new LocalMarketplace({ coldStartMs: 300, prices: false, preemptionRatePerHour: 0 });
const compute = createCompute({ marketplace: market, journal: false, tickMs: 100, budget: { total: 1 } });
const reports = compute.workload('reports', {
  gpu: { model: 'L4' },
  image: 'sleep',
  scaling: { maxNodes: 2, concurrencyPerNode: 4, latencyTargetMs: 1_000, scaleDownDelayMs: 500 },
});

const start = Date.now();
const hourNow = () => (Date.now() - start) / HOUR_MS;
/** The scheduled time of day, `HH:MM`. */
const clock = () => {
  const minutes = Math.floor(hourNow() * 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
};
const nodes = () => {
  const n = compute.metrics().workloads.reports?.nodes;
  return n ? n.requested + n.provisioning + n.ready + n.draining : 0;
};

/** Apply the schedule until the end of the day: pause when a window closes, resume when one opens. */
async function followSchedule() {
  let open = true;
  while (hourNow() < 24) {
    const due = isOpen(hourNow() % 24);
    if (due !== open) {
      open = due;
      if (open) {
        await reports.resume();
        console.log(`${clock()} resume: held tasks run, nodes are rented again`);
      } else {
        console.log(`${clock()} pause: draining...`);
        // Resolves once the workload holds no lease; work arriving meanwhile waits.
        await reports.pause({ whilePaused: 'hold' });
        console.log(`${clock()} paused: ${nodes()} nodes, queued tasks are held`);
      }
    }
    await wait(HOUR_MS / 5);
  }
}

/** A job every scheduled hour (at half past), all day long; each remembers when it was sent and done. */
async function produce() {
  /** @type {Promise<{ sent: number, at: string, done: string }>[]} */
  const jobs = [];
  for (let hour = 0; hour < 24; hour++) {
    // Against the day's start, not the last send, so that delays do not add up.
    await wait(Math.max(0, start + (hour + 0.5) * HOUR_MS - Date.now()));
    const sent = Math.floor(hourNow());
    const at = clock();
    // `sleep` image: the node is busy `ms` of emulated GPU time.
    jobs.push(reports.run({ ms: 100 }, { timeoutMs: 30_000 }).then(() => ({ sent, at, done: clock() })));
  }
  return Promise.all(jobs);
}

try {
  const [results] = await Promise.all([produce(), followSchedule()]);
  const held = results.filter((r) => !isOpen(r.sent % 24));
  console.log(`${results.length} jobs done; ${held.length} sent during the closed hours waited for the next window:`);
  console.log(held.map((r) => `${r.at} -> ${r.done}`).join(', '));
  console.log(`cost $${compute.metrics().budget.spent.toFixed(5)}`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await compute.shutdown();
  await market.close();
}
