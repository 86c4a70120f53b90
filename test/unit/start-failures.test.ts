/** Crash-loop backoff per (offer, image), and the give-up per image, as plain state over explicit times. */
import { describe, expect, it } from 'vitest';
import { MAX_START_FAILURES, START_BACKOFF_BASE_MS, START_BACKOFF_MAX_MS, StartFailures, startBackoffMs } from '../../src/controller/start-failures.js';
import { leaseFailureReason } from '../../src/leases/failure-reason.js';

describe('StartFailures', () => {
  it('backs an (offer, image) off exponentially up to the cap, other offers and images untouched', () => {
    expect([1, 2, 3].map(startBackoffMs)).toEqual([START_BACKOFF_BASE_MS, 2 * START_BACKOFF_BASE_MS, 4 * START_BACKOFF_BASE_MS]);
    expect(startBackoffMs(50)).toBe(START_BACKOFF_MAX_MS);
    const f = new StartFailures();
    f.record('o1', 'img', 'boom', 0);
    expect(f.backedOff('img', 1)).toEqual(['o1']);
    expect(f.backedOff('other', 1)).toEqual([]);
    expect(f.backedOff('img', START_BACKOFF_BASE_MS)).toEqual([]);
    f.record('o1', 'img', 'boom', START_BACKOFF_BASE_MS);
    expect(f.backedOff('img', 2 * START_BACKOFF_BASE_MS)).toEqual(['o1']);
    expect(f.backedOff('img', 3 * START_BACKOFF_BASE_MS)).toEqual([]);
  });

  it('counts failures of leases rented together as one attempt: only a lease requested after the last counted failure adds one', () => {
    const f = new StartFailures();
    // Three leases of one offer requested at t=0, failing at 5, 6 and 7 s (impostor nodes found out one by one).
    for (const [i, at] of [5000, 6000, 7000].entries()) f.record('o1', 'img', `bad ${i}`, at, 0);
    expect(f.givenUp('img', 7001)).toBeUndefined();
    // The pair's backoff is one failure's, counted from the first.
    expect(f.backedOff('img', 5000 + START_BACKOFF_BASE_MS - 1)).toEqual(['o1']);
    expect(f.backedOff('img', 5000 + START_BACKOFF_BASE_MS)).toEqual([]);
    // Attempts made one after another, each requested after the previous failure was known, do add up.
    f.record('o2', 'img', 'again', 20_000, 8000);
    f.record('o3', 'img', 'and again', 40_000, 30_000);
    const given = f.givenUp('img', 40_001);
    expect(given).toMatchObject({ image: 'img', failures: MAX_START_FAILURES, reason: 'and again' });
  });

  it('gives an image up after MAX_START_FAILURES in a row on any offers, until its backoff ends; a start clears it', () => {
    const f = new StartFailures();
    for (let i = 0; i < MAX_START_FAILURES - 1; i++) f.record(`o${i}`, 'img', `reason ${i}`, 0);
    expect(f.givenUp('img', 0)).toBeUndefined();
    f.record('oz', 'img', 'last reason', 100);
    const given = f.givenUp('img', 200);
    expect(given).toEqual({ image: 'img', failures: MAX_START_FAILURES, reason: 'last reason', retryAt: 100 + startBackoffMs(MAX_START_FAILURES) });
    expect(f.givenUp('img', given!.retryAt)).toBeUndefined();
    f.started('oz', 'img');
    f.record('oz', 'img', 'again', 300);
    expect(f.givenUp('img', 301)).toBeUndefined();
  });
});

describe('leaseFailureReason', () => {
  it('keeps the marketplace words, without control characters, node token or env values, and short', () => {
    const reason = leaseFailureReason(
      { failure: 'node did not start:\n\u001b[31mTOKEN=nt_secret123 KEY=hunter22 ok\u0000', nodeToken: 'nt_secret123' },
      { KEY: 'hunter22', FLAG: '1' },
    );
    expect(reason).toBe('node did not start: [31mTOKEN=*** KEY=*** ok');
    expect(leaseFailureReason({ failure: 'x'.repeat(5000), nodeToken: null }, undefined)!.length).toBeLessThanOrEqual(301);
    expect(leaseFailureReason({ failure: null, nodeToken: null }, undefined)).toBeUndefined();
    expect(leaseFailureReason({ nodeToken: null }, undefined)).toBeUndefined();
  });
});
