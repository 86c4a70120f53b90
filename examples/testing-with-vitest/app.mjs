// Purpose: a small piece of "your app" that uses adaptive-compute, tested offline in app.test.mjs.
// @ts-check

/**
 * Tag documents with a GPU model, in input order. The app receives its `Compute` from
 * outside, so production passes one on a real marketplace and tests a fake one.
 * @param {import('adaptive-compute').Compute} compute
 */
export function createTagger(compute) {
  const tag = compute.workload('tag', {
    gpu: { model: 'A100' },
    image: 'ghcr.io/acme/tagger:2.0',
    scaling: { maxNodes: 4, concurrencyPerNode: 2, latencyTargetMs: 500, scaleDownDelayMs: 200 },
    timeoutMs: 20_000,
  });
  return {
    /**
     * @param {string[]} texts
     * @returns {Promise<unknown[]>} one output per text, in order
     */
    async tagAll(texts) {
      const out = [];
      // `ms` is what the fake's default handler sleeps: a stand-in for GPU time.
      for await (const result of tag.map(texts.map((text) => ({ text, ms: 20 })), { concurrency: 16 })) out.push(result);
      return out;
    },
  };
}
