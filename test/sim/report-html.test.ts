/**
 * The HTML report reads well: table cells do not wrap, every policy has a colour of
 * its own in the latency CDF (however many policies), and the small per-policy charts
 * share one y scale.
 */
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/sim/report/html.js';
import { simulate } from '../../src/sim/simulate.js';

const azure = new URL('../fixtures/traces/azure-conv-5min.csv', import.meta.url).pathname;

describe('HTML report', async () => {
  const { report } = await simulate({ trace: azure, seed: 1 });
  // More policies than the palette has colours, as --tune-baselines gives.
  const many = { ...report, results: [...report.results, ...report.results.slice(1).map((r) => ({ ...r, policy: `${r.policy}-tuned`, nodes: r.nodes.map((n) => n * 2) }))] };
  const page = renderHtml(many);
  const svgs = page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];

  it('table cells do not wrap', () => {
    expect(page).toMatch(/td,th\{[^}]*white-space:nowrap/);
  });

  it('each policy has a distinct colour in the CDF', () => {
    const cdf = svgs.at(-1)!;
    const strokes = [...cdf.matchAll(/<path d="[^"]*" fill="none" stroke="([^"]+)"/g)].map((m) => m[1]);
    expect(strokes).toHaveLength(many.results.length);
    expect(new Set(strokes).size).toBe(many.results.length);
  });

  it('the small charts share one y scale', () => {
    const panels = page.match(/<div class="panel">[\s\S]*?<\/div>/g) ?? [];
    expect(panels).toHaveLength(many.results.length);
    const yTicks = panels.map((p) => [...p.matchAll(/<text x="[^"]*" y="[^"]*" text-anchor="end">([^<]*)<\/text>/g)].map((m) => m[1]).join(','));
    expect(yTicks[0]!.length).toBeGreaterThan(0);
    expect(new Set(yTicks).size).toBe(1);
  });
});
