// Runs every benchmark in bench/ one after another (each prints its own side-by-side table).
// Run: npm run bench
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches = [
  ['dispatch-overhead.mjs', []],
  ['coordination.mjs', []],
  ['queue-memory.mjs', ['--expose-gc']],
  ['sim-speed.mjs', []],
  ['sim-parallel.mjs', []],
  ['lora-gap.mjs', []],
  ['planner-cpu.mjs', []],
  ['slo-grid.mjs', []],
  ['sim-sweep.mjs', []],
];
let failed = 0;
for (const [file, flags] of benches) {
  console.log(`\n== ${file} ==`);
  const r = spawnSync(process.execPath, [...flags, fileURLToPath(new URL(`./${file}`, import.meta.url))], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
