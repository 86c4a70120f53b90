// `simulate --baselines all` on one worker thread against all the cores there are,
// side by side in one run: wall time of each, their ratio, and that both wrote the
// same report.
//
//   npm run build && node bench/sim-parallel.mjs        (SIM_PARALLEL_HOURS=24 for a longer trace)
//
// The trace is a seeded synthetic generic CSV written to .bench-out/ (12 h of Poisson
// arrivals on a daily wave between 10 and 30 req/s, token counts log-normal: about
// 0.9M requests), read by the CLI as a user's file would be. Rounds alternate the
// order of the two settings; the median of each is reported.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, '.bench-out', 'sim-parallel');
mkdirSync(out, { recursive: true });
const hours = Number(process.env.SIM_PARALLEL_HOURS ?? 12);
const rounds = 3;
const cores = availableParallelism();

// A small LCG keeps the file the same on every run without importing the sources.
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
const normal = () => Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
const trace = join(out, `day-${hours}h.csv`);
const rows = ['timestamp_s,input_tokens,output_tokens'];
for (let t = 0; ; ) {
  const rate = 20 + 10 * Math.sin((2 * Math.PI * t) / 86_400);
  t += -Math.log(random()) / rate;
  if (t >= hours * 3600) break;
  rows.push(`${t.toFixed(3)},${Math.round(900 * Math.exp(0.8 * normal()))},${Math.round(130 * Math.exp(0.9 * normal()))}`);
}
writeFileSync(trace, rows.join('\n') + '\n');
console.log(`trace: ${(rows.length - 1).toLocaleString('en-US')} requests over ${hours} h; ${cores} cores`);

function simulate(jobs, json) {
  const started = performance.now();
  execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'simulate', '--trace', trace, '--baselines', 'all', '--jobs', String(jobs), '--json', json], { stdio: 'ignore' });
  return (performance.now() - started) / 1000;
}

const wall = { one: [], all: [] };
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? ['one', 'all'] : ['all', 'one'];
  for (const which of order) wall[which].push(simulate(which === 'one' ? 1 : cores, join(out, `${which}.json`)));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const same = readFileSync(join(out, 'one.json'), 'utf8') === readFileSync(join(out, 'all.json'), 'utf8');
console.log(`--jobs 1          ${median(wall.one).toFixed(2)} s (median of ${rounds})`);
console.log(`--jobs ${String(cores).padEnd(10)} ${median(wall.all).toFixed(2)} s`);
console.log(`speed-up          ${(median(wall.one) / median(wall.all)).toFixed(2)}x; same report: ${same ? 'yes' : 'NO'}`);
process.exitCode = same ? 0 : 1;
