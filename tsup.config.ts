import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', providers: 'src/providers/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    // import.meta.url in the CJS build (the local marketplace finds dist/cli.js from it).
    shims: true,
  },
  {
    // The CLI is ESM only: it is run, never imported. The simulator's worker thread
    // script sits beside it, where src/sim/parallel.ts looks for it.
    entry: { cli: 'src/cli/main.ts', 'sim-worker': 'src/sim/worker.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
]);
