// Where our policy stands on the Alibaba GenAI LoRA trace between the clairvoyant
// lower bound and what simpler schedules pay, on the same trace and settings:
//
//   node bench/lora-gap.mjs        (reads ../shared/traces; says so and exits when absent)
//
// - "lower bound" and "ours": the simulator's own figures (`simulate`, defaults).
// - "clairvoyant schedule": one node at a time, knowing every arrival and its service
//   time: it starts the node as late as the pending requests' deadlines allow, keeps
//   it while the next deadline is within a cold start, and serves FIFO on its slots.
//   A real schedule (an upper bound on the best any policy can do on this trace).
// - "online hold h / delay w": one node at a time, knowing nothing ahead: a request
//   finding no node rents one after w seconds; an idle node is kept h seconds.
// Node-time counts the cold start, as the simulator bills it. The LoRA trace's long
// latency target (one cold start + its p99 service time) is what lets a clairvoyant
// schedule wait and batch; an online policy does not know how long a request will run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSim, root } from './sim-bundle.mjs';

const path = join(root, '..', 'shared', 'traces', 'alibaba-genai-2026', 'lora_request_trace.csv');
if (!existsSync(path)) {
  console.log(`lora-gap: ${path} is absent; skipped (it is not shipped with the project)`);
  process.exit(0);
}
const sim = await loadSim();
const { report } = await sim.simulate({ trace: path, baselines: [], seed: 1 });
const policy = sim.parseSimPolicy({});
const trace = await sim.readTrace(path, { service: { ...policy.serviceTime, defaultServiceMs: policy.serviceTime.defaultMs }, seed: 1 });
const { latencyTargetMs: L, coldStartSec, concurrencyPerNode: slots, pricePerHour, minLeaseSec } = report.settings;
const c = coldStartSec * 1000;
const a = trace.arrivalMs;
const s = trace.serviceMs;
const n = trace.count;

/** Serve requests [i, ...) FIFO on one node ready at `ready`, while `keep(k, idleFrom)` says so. */
function onPeriod(i, ready, keep) {
  const free = new Float64Array(slots).fill(ready);
  let end = ready;
  let k = i;
  let missed = 0;
  for (;;) {
    while (k < n && a[k] <= end) {
      let slot = 0;
      for (let j = 1; j < slots; j++) if (free[j] < free[slot]) slot = j;
      const start = Math.max(free[slot], a[k]);
      free[slot] = start + s[k];
      if (free[slot] - a[k] > L) missed++;
      end = Math.max(end, free[slot]);
      k++;
    }
    if (k >= n || !keep(k, end)) return { next: k, end, missed };
    end = Math.max(end, a[k]);
  }
}

function bill(nodeMs) {
  return Math.max(minLeaseSec * 1000, Math.ceil(nodeMs / 1000) * 1000);
}

function clairvoyant() {
  // Latest start of each request that still meets the target, and its running minimum ahead.
  const latest = new Float64Array(n);
  for (let i = 0; i < n; i++) latest[i] = a[i] + L - s[i];
  const soonest = new Float64Array(n + 1).fill(Infinity);
  for (let i = n - 1; i >= 0; i--) soonest[i] = Math.min(latest[i], soonest[i + 1]);
  let ms = 0;
  let missed = 0;
  for (let i = 0; i < n; ) {
    let ready = Math.max(latest[i], a[i]);
    for (let j = i + 1; j < n && a[j] <= ready; j++) ready = Math.max(a[i], Math.min(ready, latest[j]));
    const period = onPeriod(i, ready, (k, end) => soonest[k] - end <= c);
    ms += bill(period.end - ready + c);
    missed += period.missed;
    i = period.next;
  }
  return { ms, missed };
}

function online(holdMs, delayMs) {
  let ms = 0;
  let missed = 0;
  for (let i = 0; i < n; ) {
    const ready = a[i] + delayMs + c;
    const period = onPeriod(i, ready, (k, end) => a[k] - end <= holdMs);
    ms += bill(period.end + holdMs - ready + c);
    missed += period.missed;
    i = period.next;
  }
  return { ms, missed };
}

const lb = report.lowerBound;
const ours = report.results[0];
const rows = [
  ['lower bound (simulator)', lb.nodeSeconds * 1000, undefined],
  ['ours (simulator)', ours.nodeSeconds * 1000, 1 - ours.sloAttainment],
];
const best = clairvoyant();
rows.push(['clairvoyant schedule', best.ms, best.missed / n]);
for (const hold of [0, 10]) for (const delay of [0, 20, 40]) {
  const r = online(hold * 1000, delay * 1000);
  rows.push([`online hold ${hold} s / delay ${delay} s`, r.ms, r.missed / n]);
}
console.log(`${trace.name}: ${n.toLocaleString('en-US')} requests, target ${L / 1000} s, cold start ${coldStartSec} s, ${slots} slots, $${pricePerHour}/h`);
console.log('schedule                          node-h      cost   / bound   missed target');
for (const [name, ms, miss] of rows) {
  const hours = ms / 3_600_000;
  const missText = miss === undefined ? '-' : `${(100 * miss).toFixed(2)} %`;
  console.log(`${name.padEnd(32)} ${hours.toFixed(1).padStart(7)} ${('$' + (hours * pricePerHour).toFixed(2)).padStart(9)} ${(ms / (lb.nodeSeconds * 1000)).toFixed(2).padStart(8)}x ${missText.padStart(14)}`);
}
