import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most files wait on cold starts, child processes and sockets rather than compute:
    // four forks on two cores overlap those waits (the suite: 440 s -> 131 s, same results).
    maxWorkers: 4,
    setupFiles: ['test/setup.ts'],
    // Builds dist/ first when it is not a build of the current sources.
    globalSetup: ['test/global-setup.ts'],
  },
});
