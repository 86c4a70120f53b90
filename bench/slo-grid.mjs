// The issue-14 acceptance grid, measured on traces we can derive here: for each trace,
// cold start in {15, 60, 180} s and latencyTargetMs in {2x p99 service, 30 000, 60 000,
// 300 000}, our policy ('adaptive') against every baseline and its tuned row:
//
//   node bench/slo-grid.mjs [--quick] [--trace name]
//
// Per cell: ours' SLO attainment and cost, the cheapest other policy that meets the SLO,
// and ours / that. Summary: cells where ours meets the SLO whenever any other policy
// does, cells where ours is the cheapest policy meeting it, and the worst ratio.
// Traces (request-level, generic CSV timestamp_s,input_tokens,output_tokens), written
// to .bench-out/traces/: a seeded synthetic on/off trace (always), and, when
// ../shared/traces is there, the Azure conversation hour as it is, the same hour on
// for 5 minutes and off for 15, and a sparse one (every 6th request, 1 minute of
// every 10).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSim, root } from './sim-bundle.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--trace') ? args[args.indexOf('--trace') + 1] : undefined;
const sim = await loadSim();
const out = join(root, '.bench-out', 'traces');
mkdirSync(out, { recursive: true });

function writeCsv(name, rows) {
  const path = join(out, `${name}.csv`);
  writeFileSync(path, 'timestamp_s,input_tokens,output_tokens\n' + rows.map((r) => `${r[0].toFixed(3)},${r[1]},${r[2]}`).join('\n') + '\n');
  return path;
}

const traces = [];
{
  // Seeded on/off bursts: on-spells of 1 to 5 minutes at 1 to 8 requests/s, off-spells of 3 to 25 minutes.
  const rnd = new sim.Random(14);
  const rows = [];
  let t = 0;
  while (t < 3600) {
    const on = 60 + rnd.next() * 240;
    const rate = 1 + rnd.next() * 7;
    for (let x = t; x < Math.min(3600, t + on); x += -Math.log(1 - rnd.next()) / rate) rows.push([x, 200 + Math.floor(rnd.next() * 1500), 20 + Math.floor(rnd.next() * 300)]);
    t += on + 180 + rnd.next() * 1320;
  }
  traces.push(['synthetic-onoff', writeCsv('synthetic-onoff', rows)]);
}
const azure = join(root, '..', 'shared', 'traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
if (existsSync(azure)) {
  const lines = readFileSync(azure, 'utf8').trim().split('\n').slice(1);
  const parsed = lines.map((l) => l.split(',')).map(([ts, i, o]) => [Date.parse(ts.replace(' ', 'T') + 'Z') / 1000, Number(i), Number(o)]);
  const t0 = parsed[0][0];
  const rows = parsed.map(([t, i, o]) => [t - t0, i, o]);
  traces.push(['azure-conv', writeCsv('azure-conv', rows)]);
  traces.push(['azure-onoff', writeCsv('azure-onoff', rows.filter(([t]) => t % 1200 < 300))]);
  traces.push(['azure-sparse', writeCsv('azure-sparse', rows.filter(([t], k) => k % 6 === 0 && t % 600 < 60))]);
} else {
  console.log(`slo-grid: ${azure} is absent; the Azure-derived traces are skipped`);
}

const colds = quick ? [60] : [15, 60, 180];
const cells = [];
for (const [name, path] of traces) {
  if (only && name !== only) continue;
  const p99 = (await sim.simulate({ trace: path, baselines: [], seed: 1 })).report.trace.p99ServiceMs;
  const targets = [Math.round(2 * p99), 30_000, 60_000, 300_000];
  for (const coldStartSec of colds) {
    for (const latencyTargetMs of targets) {
      const policy = join(out, `policy-${name}-${coldStartSec}-${latencyTargetMs}.json`);
      writeFileSync(policy, JSON.stringify({ coldStartSec, latencyTargetMs }));
      const started = Date.now();
      const { report } = await sim.simulate({ trace: path, policy, seed: 1, tuneBaselines: true });
      const ms = Date.now() - started;
      const slo = report.settings.sloTarget ?? 0.99;
      const ours = report.results.find((r) => r.policy === 'adaptive');
      const others = report.results.filter((r) => r.policy !== 'adaptive');
      const meeting = others.filter((r) => r.sloAttainment >= slo);
      const best = meeting.reduce((a, r) => (a === undefined || r.cost < a.cost ? r : a), undefined);
      cells.push({ name, coldStartSec, latencyTargetMs, ours, best, slo, ms, bound: report.lowerBound.cost, anyMeets: meeting.length > 0 });
      const ratio = best ? ours.cost / best.cost : NaN;
      console.log(
        `${name.padEnd(16)} cold ${String(coldStartSec).padStart(3)} s  target ${String(latencyTargetMs).padStart(6)} ms  ours SLO ${(100 * ours.sloAttainment).toFixed(2).padStart(6)} %  $${ours.cost.toFixed(2).padStart(7)}  ` +
          (best ? `best other ${best.policy.padEnd(16)} SLO ${(100 * best.sloAttainment).toFixed(2).padStart(6)} %  $${best.cost.toFixed(2).padStart(7)}  ours/best ${ratio.toFixed(3)}` : 'no other policy meets the SLO') +
          `  bound $${report.lowerBound.cost.toFixed(2)}  ${(ms / 1000).toFixed(1)} s`,
      );
    }
  }
}
const meetsWhenOthers = cells.filter((c) => !c.anyMeets || c.ours.sloAttainment >= c.slo).length;
const cheapest = cells.filter((c) => c.ours.sloAttainment >= c.slo && (!c.best || c.ours.cost <= c.best.cost)).length;
const ratios = cells.filter((c) => c.best).map((c) => c.ours.cost / c.best.cost);
console.log(`\ncells: ${cells.length}`);
console.log(`ours meets the SLO wherever another policy does: ${meetsWhenOthers} / ${cells.length}`);
console.log(`ours meets it and is the cheapest that does: ${cheapest} / ${cells.length} (${((100 * cheapest) / Math.max(1, cells.length)).toFixed(0)} %)`);
console.log(`worst ours / cheapest other meeting the SLO: ${ratios.length ? Math.max(...ratios).toFixed(3) : 'n/a'}`);
console.log(`slowest cell: ${(Math.max(...cells.map((c) => c.ms)) / 1000).toFixed(1)} s`);
