/**
 * Failure-model rules on virtual time: spot cool-off after a preemption, the journal
 * written before a lease is requested, node endpoints vetted, orphans reconciled by
 * tag (and other hosts' leases left alone), slow provisioning given up.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { ComputeRuntime } from '../../src/compute.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import type { LeaseEvent, WarningEvent } from '../../src/events.js';
import type { CreateLeaseRequest, Lease } from '../../src/market/protocol.js';
import { MemoryMarket, modelledNodes } from '../support/memory-market.js';
import { tempDir } from '../support/temp-dir.js';

function build(options: { market?: MemoryMarket; clock?: VirtualClock; compute?: Record<string, unknown>; gpu?: Record<string, unknown>; scaling?: Record<string, unknown> } = {}) {
  const clock = options.clock ?? new VirtualClock(1_700_000_000_000);
  const market = options.market ?? new MemoryMarket(clock, { coldStartMs: 1000 });
  const config = ComputeOptionsSchema.parse({ marketplace: market, clock, clientId: 'vt', journal: false, ...options.compute });
  const compute = new ComputeRuntime(config, { connectNode: modelledNodes(clock, 2, market) });
  const leases: LeaseEvent[] = [];
  const warnings: WarningEvent[] = [];
  compute.on('lease', (e) => leases.push(e));
  compute.on('warning', (e) => warnings.push(e));
  const work = compute.workload('w', {
    gpu: { model: 'A100', ...options.gpu },
    image: 'i',
    scaling: { maxNodes: 2, concurrencyPerNode: 2, latencyTargetMs: 2000, scaleDownDelayMs: 3000, ...options.scaling },
  });
  return { clock, market, compute, work, leases, warnings };
}

describe('failure model on virtual time', () => {
  it('prefers on-demand for spotCooloffMs after a spot preemption', async () => {
    const { clock, market, work, leases } = build({ gpu: { spotCooloffMs: 60_000 } });
    const first = Promise.all(Array.from({ length: 12 }, () => work.run({ ms: 5000 })));
    await clock.advance(2000);
    const spot = market.live().filter((l) => l.offerId === 'a100-spot');
    expect(spot.length).toBeGreaterThan(0);
    market.preempt(spot[0]!.id);
    await clock.advance(30_000);
    await first;
    const afterPreemption = leases.filter((e) => e.type === 'acquired' && e.at > clock.now() - 30_000);
    expect(afterPreemption.length).toBeGreaterThan(0);
    expect(afterPreemption.every((e) => !e.interruptible)).toBe(true);
    // Once the cool-off is over, spot is chosen again.
    await clock.advance(120_000);
    const again = Promise.all(Array.from({ length: 4 }, () => work.run({ ms: 100 })));
    await clock.advance(10_000);
    await again;
    expect(leases.filter((e) => e.type === 'acquired').at(-1)!.interruptible).toBe(true);
  });

  it('records a lease in the journal before the request reaches the marketplace', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const market = new MemoryMarket(clock, { coldStartMs: 500 });
    const path = join(tempDir('ac-journal'), 'j.json');
    const seenAtRequest: string[] = [];
    const create = market.createLease.bind(market);
    market.createLease = async (request: CreateLeaseRequest, key: string): Promise<Lease> => {
      seenAtRequest.push(readFileSync(path, 'utf8'));
      return create(request, key);
    };
    const { work, compute } = build({ clock, market, compute: { journal: path } });
    const done = work.run({ ms: 10 });
    await clock.advance(5000);
    await done;
    expect(seenAtRequest.length).toBeGreaterThan(0);
    const journal = JSON.parse(seenAtRequest[0]!) as { clientId: string; leases: { leaseId: string | null; idempotencyKey: string }[] };
    expect(journal.clientId).toBe('vt');
    expect(journal.leases[0]).toMatchObject({ leaseId: null });
    const shutdown = compute.shutdown();
    await clock.advance(5000);
    await shutdown;
  });

  it('refuses a plain-http node endpoint that is not loopback, and gives the lease back', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const market = new MemoryMarket(clock, { coldStartMs: 500 });
    const get = market.getLease.bind(market);
    market.getLease = async (id: string) => {
      const lease = await get(id);
      return lease.state === 'running' ? { ...lease, endpoint: 'http://203.0.113.7:8080' } : lease;
    };
    const { work, warnings, leases } = build({ clock, market });
    const task = work.run({ ms: 10 }, { timeoutMs: 10_000 }).catch((e: { code: string }) => e.code);
    await clock.advance(4000);
    // Waiting on a marketplace that only hands out unusable nodes helps nobody.
    await expect(task).resolves.toBe('PROTOCOL_INVALID');
    expect(warnings.some((w) => w.error.code === 'PROTOCOL_INVALID' && w.error.message.includes('plain http'))).toBe(true);
    expect(leases.some((e) => e.type === 'released' && e.reason.includes('node endpoint'))).toBe(true);
    expect(leases.some((e) => e.type === 'ready')).toBe(false);
  });

  it('reconciliation releases an unknown lease tagged as ours after 30 s, never another host’s', async () => {
    const { clock, market, compute } = build({ compute: { reconcileEverySec: 10 } });
    const base = { offerId: 'a100', image: 'i', maxPricePerHour: 2 };
    const lost = await market.createLease({ ...base, tags: { client: 'vt', workload: 'w', node: 'w#zz.1', host: hostname(), pid: String(process.pid) } }, 'k1');
    const elsewhere = await market.createLease({ ...base, tags: { client: 'vt', workload: 'w', node: 'w#yy.1', host: 'other-host', pid: '1' } }, 'k2');
    await clock.advance(15_000);
    expect((await market.getLease(lost.id)).state).not.toBe('terminated');
    await clock.advance(30_000);
    expect((await market.getLease(lost.id)).state).toBe('terminated');
    expect((await market.getLease(elsewhere.id)).state).toBe('running');
    const shutdown = compute.shutdown();
    await clock.advance(5000);
    await shutdown;
  });

  it('gives up a lease not running within maxProvisionSec and re-plans its demand', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const market = new MemoryMarket(clock, { coldStartMs: 600_000 });
    const { work, leases } = build({ clock, market, scaling: { maxProvisionSec: 20 } });
    const task = work.run({ ms: 10 }, { timeoutMs: 50_000 }).catch((e: { code: string }) => e.code);
    await clock.advance(60_000);
    expect(leases.some((e) => e.type === 'released' && e.reason.includes('not running after 20 s'))).toBe(true);
    expect(leases.filter((e) => e.type === 'acquired').length).toBeGreaterThan(1);
    await expect(task).resolves.toBe('TIMEOUT');
  });
});
