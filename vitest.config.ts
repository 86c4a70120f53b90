import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    // Builds dist/ first when it is not a build of the current sources.
    globalSetup: ['test/global-setup.ts'],
  },
});
