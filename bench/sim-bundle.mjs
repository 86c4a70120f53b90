// Bundles src/sim with esbuild into .bench-out/sim/ and imports it, so that simulator
// benchmarks run the TypeScript sources without a build step.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// With `workers`, the simulator's worker-thread script is bundled beside it too, where
// src/sim/parallel.ts looks for it, so that `jobs` runs policies on worker threads.
export async function loadSim({ workers = false } = {}) {
  const out = join(root, '.bench-out', 'sim');
  mkdirSync(out, { recursive: true });
  const bundle = (entry, file) => execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [join(root, entry), '--bundle', '--platform=node', '--format=esm', '--target=node20', `--outfile=${join(out, file)}`, '--log-level=warning']);
  bundle('src/sim/index.ts', 'index.js');
  if (workers) bundle('src/sim/worker.ts', 'sim-worker.js');
  return import(join(out, 'index.js'));
}
