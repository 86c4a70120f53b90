// Bundles src/sim with esbuild into .bench-out/sim/ and imports it, so that simulator
// benchmarks run the TypeScript sources without a build step.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function loadSim() {
  const out = join(root, '.bench-out', 'sim');
  mkdirSync(out, { recursive: true });
  execFileSync(join(root, 'node_modules', '.bin', 'esbuild'), [join(root, 'src/sim/index.ts'), '--bundle', '--platform=node', '--format=esm', '--target=node20', `--outfile=${join(out, 'index.js')}`, '--log-level=warning']);
  return import(join(out, 'index.js'));
}
