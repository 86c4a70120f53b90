/**
 * Capacity refusals move on, with real processes: a protocol-v1 marketplace (the
 * embedded local one behind a small proxy that answers 409 OFFER_GONE for its
 * cheapest offer), the Vast fake (404 `no_such_ask`) and the RunPod fake (400 without
 * capacity), each starting a real agent process per lease. One planned lease (one
 * scale decision, maxNodes 1) is served on the next ranked offer: the refusal's
 * replacement is requested while the refusal is handled, not by a later tick's plan.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createCompute } from '../../src/index.js';
import type { Compute, LeaseEvent, ScaleEvent } from '../../src/index.js';
import type { Marketplace } from '../../src/market/marketplace.js';
import type { Offer } from '../../src/market/protocol.js';
import { runpod, vastai } from '../../src/providers/index.js';
import { startLocalMarket } from '../../src/local/market/local-market.js';
import { VastFake } from '../support/vast-fake.js';
import { RunPodFake } from '../support/runpod-fake.js';
import { stopsAfterEach } from '../support/provider-tests.js';

const stopAfter = stopsAfterEach();

interface Seen {
  compute: Compute;
  leases: LeaseEvent[];
  scale: ScaleEvent[];
}

/** One workload of at most one node; four tasks. */
async function serve(marketplace: Marketplace | { url: string; apiKey: string }, gpu: { model: string[]; interruptible?: 'never' }): Promise<Seen & { results: unknown[] }> {
  const compute = createCompute({ marketplace, budget: { maxPerHour: 10, total: 1 }, journal: false, tickMs: 200 });
  stopAfter(() => compute.shutdown());
  const leases: LeaseEvent[] = [];
  const scale: ScaleEvent[] = [];
  compute.on('lease', (e) => leases.push(e));
  compute.on('scale', (e) => scale.push(e));
  const w = compute.workload('llm', {
    gpu: { count: 1, ...gpu },
    image: 'ghcr.io/acme/llm-node:1',
    scaling: { minNodes: 0, maxNodes: 1, latencyTargetMs: 3_000, concurrencyPerNode: 4, scaleDownDelayMs: 60_000, maxProvisionSec: 30 },
  });
  const results = await Promise.all(Array.from({ length: 4 }, (_, i) => w.run({ i, ms: 20 })));
  return { compute, leases, scale, results };
}

/** The refusal of `gone` moved on to another offer within the planned lease. */
function expectMovedOn(seen: Seen, gone: string): string {
  const failed = seen.leases.filter((e) => e.type === 'failed');
  expect(failed.map((e) => [e.offerId, e.leaseId, e.offerGone?.refused])).toEqual([[gone, null, [gone]]]);
  const next = failed[0]!.offerGone!.next;
  expect(next).not.toBeNull();
  expect(next).not.toBe(gone);
  const acquired = seen.leases.filter((e) => e.type === 'acquired');
  expect(acquired.map((e) => [e.offerId, e.offerGone])).toEqual([[next, { refused: [gone], next }]]);
  // Requested while the refusal was handled (before its event), not by a later plan:
  // one scale decision added one lease, and that lease runs on the next offer.
  expect(acquired[0]!.requestedAt).toBeLessThanOrEqual(failed[0]!.at);
  expect(seen.scale.reduce((n, e) => n + e.added, 0)).toBe(1);
  expect(seen.leases.filter((e) => e.type === 'ready').map((e) => e.offerId)).toEqual([next]);
  expect(seen.compute.metrics().leases.offersGone).toBe(1);
  return next!;
}

const offer = (id: string, pricePerHour: number): Offer => ({
  id,
  gpu: { model: 'A100', count: 1, memoryGb: 80 },
  pricePerHour,
  currency: 'USD',
  interruptible: false,
  reliability: 0.99,
  region: 'local',
  coldStartSec: 1,
  billingIncrementSec: 1,
  minLeaseSec: 0,
  available: 4,
});

/** A proxy to `target` that answers every create for `goneOffer` with 409 OFFER_GONE. */
async function refusingProxy(target: string, goneOffer: string): Promise<{ url: string; refused: number; close(): Promise<void> }> {
  const state = { refused: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && req.url === '/v1/leases' && (JSON.parse(body.toString()) as { offerId?: string }).offerId === goneOffer) {
        state.refused++;
        res.writeHead(409, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'OFFER_GONE', message: `offer ${goneOffer} is not available`, retryable: false } }));
        return;
      }
      const upstream = httpRequest(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a capacity refusal moves on to the next offer within the tick', () => {
  it('protocol v1: OFFER_GONE for the cheapest offer; the next ranked one serves', async () => {
    const market = await startLocalMarket({ coldStartMs: 200, prices: false, preemptionRatePerHour: 0, offers: [offer('a100-cheap', 1), offer('a100-next', 1.5), offer('a100-dear', 3)] });
    stopAfter(() => market.close());
    const proxy = await refusingProxy(market.url, 'a100-cheap');
    stopAfter(() => proxy.close());
    const seen = await serve({ url: proxy.url, apiKey: market.apiKey }, { model: ['A100'] });
    expect(seen.results).toHaveLength(4);
    expect(expectMovedOn(seen, 'a100-cheap')).toBe('a100-next');
    expect(proxy.refused).toBe(1);
    expect(market.leases().map((l) => l.offerId)).toEqual(['a100-next']);
  }, 60_000);

  it('Vast.ai: 404 no_such_ask for the cheapest ask; the next one serves', async () => {
    const fake = await new VastFake({ goneAsks: [101] }).start();
    stopAfter(() => fake.stop());
    const seen = await serve(vastai({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 }), { model: ['RTX 4090'], interruptible: 'never' });
    expect(seen.results).toHaveLength(4);
    const next = expectMovedOn(seen, seen.leases.find((e) => e.type === 'failed')!.offerId);
    expect([...fake.instances.values()].map((i) => i.askId)).toEqual([102]);
    expect(next).not.toContain('101');
    expect(fake.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual(['/api/v0/asks/101/', '/api/v0/asks/102/']);
  }, 60_000);

  it('RunPod: 400 without capacity for the cheapest cloud; the next offer serves', async () => {
    const fake = await new RunPodFake({ noCapacity: ['COMMUNITY:NVIDIA GeForce RTX 4090'] }).start();
    stopAfter(() => fake.stop());
    const seen = await serve(runpod({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000, billingIncrementSec: 1 }), { model: ['RTX 4090'], interruptible: 'never' });
    expect(seen.results).toHaveLength(4);
    expectMovedOn(seen, seen.leases.find((e) => e.type === 'failed')!.offerId);
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v2/pods')).map((r) => (r.body as { cloud: string }).cloud);
    expect(posts).toEqual(['COMMUNITY', 'SECURE']);
    expect([...fake.pods.values()].map((p) => p.cloud)).toEqual(['SECURE']);
  }, 60_000);
});
