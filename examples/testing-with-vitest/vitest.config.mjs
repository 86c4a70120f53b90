// Purpose: vitest settings for this example (in your app, your own config or none at all).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['*.test.mjs'], testTimeout: 30_000 },
});
