import { defineConfig } from 'tsup';

/**
 * The package's entry points: one row per subpath of package.json `exports`
 * (`.` is `index`). Add a subpath here and in `exports`; test/package checks both agree.
 */
export const entries: Record<string, string> = {
  index: 'src/index.ts',
  local: 'src/local/index.ts',
  testing: 'src/testing/index.ts',
  providers: 'src/providers/index.ts',
};

export default defineConfig([
  {
    entry: entries,
    format: ['esm', 'cjs'],
    // stripInternal: declarations marked @internal stay out of the published types.
    dts: { compilerOptions: { stripInternal: true } },
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    // Shared chunks: the entries share one copy of the runtime, and the local
    // marketplace's server code is a chunk of its own, loaded by dynamic import only
    // when `createCompute()` without a marketplace first needs it.
    splitting: true,
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
