/**
 * The demo's summary and flags as a user reads them: the p95 verdict counts failed
 * tasks, owning the peak is priced like with like, `--duration` is bounded with a
 * typed error, and at 120 columns nothing is broken mid-word or cut off.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { MAX_DURATION_SEC, MIN_DURATION_SEC } from '../../src/cli/demo/limits.js';
import { planDemo } from '../../src/cli/demo/plan.js';
import { header } from '../../src/cli/demo/run-demo.js';
import { owningPeak, targetVerdict, type DemoSummary } from '../../src/cli/demo/summary.js';
import { liveView } from '../../src/cli/demo/views.js';
import { wrap } from '../../src/cli/demo/wrap.js';
import { numberWithin } from '../../src/cli/flags.js';

const tasks = (failed: number, failures: Record<string, number> = {}): DemoSummary['tasks'] => ({ total: 300, succeeded: 300 - failed, failed, failures });

describe('demo summary', () => {
  it('does not call the p95 target met when tasks failed, and says which failed', () => {
    const latencyMs = { p50: 100, p95: 900, p99: 1200, target: 1000 };
    expect(targetVerdict({ tasks: tasks(0), latencyMs })).toEqual({ met: true, text: 'met' });
    const verdict = targetVerdict({ tasks: tasks(228, { TIMEOUT: 200, NODE_FAILED: 28 }), latencyMs });
    expect(verdict.met).toBe(false);
    expect(verdict.text).toContain('228 of 300');
    expect(verdict.text).toContain('200 TIMEOUT');
    expect(targetVerdict({ tasks: tasks(0), latencyMs: { ...latencyMs, p95: 1500 } }).met).toBe(false);
  });

  it('prices owning the peak at the rate the run paid, for the run’s own duration', () => {
    // 40 node-seconds cost $0.01: $0.90/h on average (a spot-heavy mix), over a 31 s run.
    const owned = owningPeak(3, 31, 0.01, 40);
    expect(owned.pricePerHour).toBeCloseTo(0.9, 6);
    expect(owned.seconds).toBe(31);
    expect(owned.cost).toBeCloseTo((3 * 31 * 0.9) / 3600, 6);
    expect(owningPeak(0, 10, 0, 0).cost).toBe(0);
  });
});

describe('demo flags', () => {
  it('bounds --duration with a usage error naming the flag', () => {
    const parse = numberWithin('--duration', MIN_DURATION_SEC, MAX_DURATION_SEC);
    expect(parse('30')).toBe(30);
    for (const bad of ['1e9', '10', '0', 'soon', '']) {
      expect(() => parse(bad)).toThrow(UsageError);
      expect(() => parse(bad)).toThrow(/--duration/);
    }
  });

  it('keeps the latency target reachable across the allowed durations and says how it was derived', () => {
    for (const d of [MIN_DURATION_SEC, 30, MAX_DURATION_SEC]) {
      const plan = planDemo(d, 'azure', 1);
      // The first node needs its cold start before it serves anything: the target leaves room for it.
      expect(plan.latencyTargetMs).toBeGreaterThanOrEqual(2 * plan.coldStartMs);
      expect(header(plan, 300, 1, undefined)).toContain(`p95 target ${plan.latencyTargetMs} ms`);
    }
  });
});

describe('demo output at 120 columns', () => {
  const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

  it('wraps between words, never past the width, losing nothing', () => {
    const text = `  ${'lorem ipsum dolor sit amet consectetur '.repeat(8)}${'x'.repeat(150)}`;
    const out = wrap(text, 120, '    ');
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
    expect(out.replace(/\n */g, ' ').replace(/x\s+x/g, 'xx')).toBe(text.replace(/ +$/, ''));
    expect(out.startsWith('  lorem')).toBe(true);
    expect(wrap(`[  0.3s] ${'word '.repeat(40)}`, 120, ' '.repeat(9)).startsWith('[  0.3s] word')).toBe(true);
  });

  it('the header does not break a word and an event keeps its whole reason', () => {
    const plan = planDemo(30, 'azure', 1);
    const text = header(plan, 300, 1, 120);
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
    expect(words(text)).toEqual(words(header(plan, 300, 1, undefined)));

    let screen = '';
    const view = liveView({ write: (t: string) => (screen += t), columns: 120 });
    const reason = `queue 57, 12.3/s, 2 ready + 1 provisioning, need 5 for 4700 ms p95: +2 A100 spot @ $0.65/h, ${'and a long tail of words '.repeat(5)}END`;
    view.event(12.3, `scale up to 5 nodes (+2 requested): ${reason}`);
    view.status({
      elapsedSec: 12.3, durationSec: 30, arrived: 100, total: 300, ok: 50, failed: 0, queued: 57, running: 8,
      nodes: { requested: 0, provisioning: 1, ready: 2, draining: 0 }, p95Ms: 900, targetMs: 4700, spent: 0.01, budget: 1, currency: 'USD', lastScale: undefined,
    });
    const shown = screen.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    expect(shown).toContain('END');
    for (const line of shown.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
  });
});
