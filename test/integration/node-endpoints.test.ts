/**
 * A marketplace that hands out a hostile node endpoint (credentials, another scheme,
 * a metadata or private address) never gets a task or node token sent there: the
 * lease is released, a warning says why, and the node connector is never called.
 * Private ranges pass when the user opts in; `allowEndpoint` has the last word.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { Compute, createCompute } from '../../src/compute.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import { ComputeError } from '../../src/errors.js';
import type { LeaseEvent, WarningEvent } from '../../src/events.js';
import { MemoryMarket, modelledNodes } from '../support/memory-market.js';

function build(endpoint: string, options: Record<string, unknown> = {}) {
  const clock = new VirtualClock(1_700_000_000_000);
  const market = new MemoryMarket(clock, { coldStartMs: 500, endpoint: () => endpoint });
  const connected: string[] = [];
  const nodes = modelledNodes(clock, 1, market);
  const compute = new Compute(ComputeOptionsSchema.parse({ marketplace: market, clock, journal: false, ...options }), {
    connectNode: (address) => {
      connected.push(address.endpoint);
      return nodes(address);
    },
  });
  const warnings: WarningEvent[] = [];
  const leases: LeaseEvent[] = [];
  compute.on('warning', (e) => warnings.push(e));
  compute.on('lease', (e) => leases.push(e));
  const work = compute.workload('w', { gpu: { model: 'A100', interruptible: 'never' }, image: 'img', scaling: { maxNodes: 1 } });
  return { clock, market, compute, work, connected, warnings, leases };
}

describe('node endpoints handed out by the marketplace', () => {
  it.each([
    'http://user:pw@127.0.0.1:8080',
    'ftp://127.0.0.1:21',
    'file:///etc/passwd',
    'https://169.254.169.254',
    'https://metadata.google.internal',
    'https://[fd00:ec2::254]',
    'https://10.0.0.7:8443',
    'http://203.0.113.7:8080',
  ])('refuses %s: no connection, the lease released, a warning that does not repeat the URL', async (endpoint) => {
    const { clock, market, compute, work, connected, warnings, leases } = build(endpoint);
    const task = work.run({ ms: 1 }, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    await clock.advance(6_000);
    expect(connected).toEqual([]);
    const refused = warnings.find((w) => w.during === 'checking a node endpoint');
    expect(refused?.error.code).toBe('PROTOCOL_INVALID');
    expect(refused?.error.message).not.toContain('pw@');
    expect(leases.some((e) => e.type === 'released')).toBe(true);
    expect(market.live()).toEqual([]);
    // The task settles with a typed error: the refusal itself, or its timeout.
    expect(['PROTOCOL_INVALID', 'TIMEOUT']).toContain(((await task) as ComputeError).code);
    await compute.shutdown({ graceMs: 0, releaseTimeoutMs: 0 });
  });

  it("accepts a private address with nodeEndpoints: 'private-ok', and a metadata one only through allowEndpoint", async () => {
    for (const [endpoint, options] of [
      ['https://10.0.0.7:8443', { nodeEndpoints: 'private-ok' }],
      ['https://169.254.169.254', { allowEndpoint: (url: URL, cls: string) => url.hostname === '169.254.169.254' && cls === 'metadata' }],
    ] as const) {
      const { clock, compute, work, connected } = build(endpoint, options);
      const task = work.run({ ms: 1 }, { timeoutMs: 5_000 });
      await clock.advance(5_000);
      await expect(task).resolves.toEqual({ echo: { ms: 1 } });
      expect(connected).toEqual([endpoint]);
      await compute.shutdown({ graceMs: 0, releaseTimeoutMs: 0 });
    }
  });

  it('validates the options by name', () => {
    const bad = (options: Record<string, unknown>) => {
      try {
        createCompute({ journal: false, ...options } as never);
      } catch (error) {
        return error as ComputeError;
      }
      return undefined;
    };
    expect(bad({ nodeEndpoints: 'everything' })?.details.path ?? bad({ nodeEndpoints: 'everything' })?.message).toMatch(/nodeEndpoints/);
    expect(bad({ allowEndpoint: true })?.message).toMatch(/allowEndpoint/);
  });
});
