/**
 * The RunPod adapter against a fake of RunPod's documented REST v2: request shapes
 * (paths, Bearer auth, only documented create fields: RunPod answers 422 to any
 * other), offers per GPU type and cloud tier from the catalog with availability, a
 * pod whose node runs the request env and is reached over pinned TLS on its public
 * TCP mapping, DELETE 204 then 404, lost create answers, capacity 400s, 429s with
 * Retry-After, and the proxy URL for `network: 'proxy'`.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NodeClient } from '../../src/dispatch/node-client.js';
import { isComputeError } from '../../src/errors.js';
import { runpod } from '../../src/providers/index.js';
import type { RunPodMarketplace } from '../../src/providers/index.js';
import { decodeLabel } from '../../src/providers/label.js';
import { runpodSettings } from '../../src/providers/runpod/options.js';
import { podEndpoint } from '../../src/providers/runpod/pods.js';
import { RunPodFake } from '../support/runpod-fake.js';
import { stopsAfterEach, untilState } from '../support/provider-tests.js';
import type { RunPodFakeOptions } from '../support/runpod-fake.js';

const stopAfter = stopsAfterEach();

async function setup(options: RunPodFakeOptions = {}): Promise<{ fake: RunPodFake; market: RunPodMarketplace }> {
  const fake = await new RunPodFake(options).start();
  const market = runpod({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 });
  stopAfter(() => fake.stop(), () => market.close());
  return { fake, market };
}

const GPU_4090 = 'NVIDIA GeForce RTX 4090';
const request = (node: string, offerId = `SECURE/1/${GPU_4090}`) => ({
  offerId,
  image: 'ghcr.io/acme/llm-node:1',
  env: { MODEL: 'tiny', PROMPT_PREFIX: 'two words ok' },
  maxPricePerHour: 1,
  tags: { client: 'app-1', workload: 'llm', node, host: 'h', pid: '1' },
});


describe('runpod() offers', () => {
  it('reads GET /v2/catalog/gpus?include=AVAILABILITY&product=POD per cloud tier; one offer per type and tier with stock', async () => {
    const { fake, market } = await setup();
    const offers = await market.listOffers({ gpu: ['RTX 4090', 'A100', 'H100'], minGpus: 1 });
    const calls = fake.requests.filter((r) => r.path.startsWith('/v2/catalog/gpus'));
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expect(c.method).toBe('GET');
      expect(c.authorization).toBe(`Bearer ${fake.apiKey}`);
      const q = new URL(c.path, 'http://x').searchParams;
      expect(q.get('include')).toBe('AVAILABILITY');
      expect(q.get('product')).toBe('POD');
      expect(q.get('count')).toBe('1');
    }
    expect(offers.map((o) => [o.id, o.gpu.model, o.pricePerHour, o.interruptible]).sort()).toEqual(
      [
        [`COMMUNITY/1/${GPU_4090}`, 'RTX 4090', 0.34, false],
        [`SECURE/1/${GPU_4090}`, 'RTX 4090', 0.69, false],
        ['SECURE/1/NVIDIA A100 80GB PCIe', 'A100', 1.64, false],
      ].sort(),
    );
    // H100 has no stock anywhere, A100 none in community: left out.
    expect(offers.every((o) => o.billingIncrementSec === 60 && o.currency === 'USD')).toBe(true);
    expect(await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: true })).toEqual([]);
    const two = await market.listOffers({ gpu: ['RTX 4090'], minGpus: 2 });
    expect(two.find((o) => o.id === `SECURE/2/${GPU_4090}`)).toMatchObject({ pricePerHour: 1.38, gpu: { count: 2 } });
  });
});

describe('runpod() leases', () => {
  it('POST /v2/pods carries only documented fields; the node runs the request env and is reached over pinned TLS', async () => {
    const { fake, market } = await setup();
    const created = await market.createLease(request('llm#a.1'), 'k');
    const post = fake.requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe('/v2/pods');
    expect(post.authorization).toBe(`Bearer ${fake.apiKey}`);
    const body = post.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['cloud', 'env', 'gpu', 'image', 'name', 'ports']);
    expect(body).toMatchObject({ image: 'ghcr.io/acme/llm-node:1', gpu: { id: GPU_4090, count: 1 }, cloud: 'SECURE', ports: ['8000/tcp'] });
    expect(decodeLabel(body.name as string)).toEqual({ client: 'app-1', workload: 'llm', node: 'llm#a.1', host: 'h', pid: '1' });
    const env = body.env as Record<string, string>;
    expect(env).toMatchObject({ MODEL: 'tiny', PROMPT_PREFIX: 'two words ok', ADAPTIVE_COMPUTE_NODE_TOKEN: created.nodeToken });
    expect(env.ADAPTIVE_COMPUTE_TLS_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.state).toBe('provisioning');

    const running = await untilState(market, created.id, ['running']);
    expect(running.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(running.tlsPin).toBe(created.tlsPin);
    const client = new NodeClient({ leaseId: running.id, endpoint: running.endpoint!, nodeToken: running.nodeToken!, connections: 1, tlsPin: running.tlsPin });
    expect(await client.run({ workload: 'llm', input: 'hi', taskId: 't' })).toEqual({ echo: 'hi' });
    await client.close();
  });

  it('release: DELETE answers 204, the pod reads TERMINATED, then 404 (terminated)', async () => {
    const { fake, market } = await setup({ deleteDelayMs: 400 });
    const created = await market.createLease(request('llm#b.1'), 'k');
    const released = await market.releaseLease(created.id);
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === `/v2/pods/${created.id}`)).toBe(true);
    expect(released.state).toBe('terminated');
    await new Promise((r) => setTimeout(r, 500));
    expect((await market.getLease(created.id)).state).toBe('terminated');
    expect((await market.releaseLease(created.id)).state).toBe('terminated');
    expect(fake.live()).toHaveLength(0);
  });

  it('lists by tag from the pod names, filtering client-side', async () => {
    const { market } = await setup();
    await market.createLease(request('llm#c.1'), 'k1');
    await market.createLease({ ...request('x#c.2'), tags: { client: 'other', workload: 'x', node: 'x#c.2' } }, 'k2');
    const mine = await market.listLeases('client:app-1');
    expect(mine.map((l) => l.tags.node)).toEqual(['llm#c.1']);
    expect((await market.listLeases('workload:x')).map((l) => l.tags.client)).toEqual(['other']);
  });

  it('a create whose answer is lost leaves exactly one pod', async () => {
    const { fake, market } = await setup({ loseCreateAnswers: 1 });
    const lease = await market.createLease(request('llm#d.1'), 'k');
    expect(fake.pods.size).toBe(1);
    expect(lease.id).toBe([...fake.pods.keys()][0]);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a 400 without capacity is OFFER_GONE and drops the offer; other 400s and 422s are MARKET_REJECTED', async () => {
    const { market } = await setup({ noCapacity: [GPU_4090] });
    const error = await market.createLease(request('llm#e.1'), 'k').catch((e: unknown) => e);
    expect(isComputeError(error, 'OFFER_GONE')).toBe(true);
    const offers = await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1 });
    expect(offers.map((o) => o.id)).toEqual([`COMMUNITY/1/${GPU_4090}`]);
    const unknownGpu = await market.createLease(request('llm#e.2', 'SECURE/1/NVIDIA Imaginary'), 'k').catch((e: unknown) => e);
    expect(isComputeError(unknownGpu, 'MARKET_REJECTED')).toBe(true);
  });

  it('a 403 to POST /v2/pods (no access to that pool) is OFFER_GONE for that offer only; the key still works', async () => {
    const { fake, market } = await setup({ forbidden: [`SECURE:${GPU_4090}`] });
    const error = await market.createLease(request('llm#g.1'), 'k').catch((e: unknown) => e);
    expect(isComputeError(error, 'OFFER_GONE')).toBe(true);
    expect(fake.pods.size).toBe(0);
    expect((await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1 })).map((o) => o.id)).toEqual([`COMMUNITY/1/${GPU_4090}`]);
    const other = await market.createLease(request('llm#g.2', `COMMUNITY/1/${GPU_4090}`), 'k2');
    expect(other.state).toBe('provisioning');
  });

  it('429 with Retry-After is honoured; calls succeed', async () => {
    const { fake, market } = await setup({ rateLimitEvery: 3 });
    const lease = await market.createLease(request('llm#f.1'), 'k');
    for (let i = 0; i < 4; i++) expect((await market.getLease(lease.id)).id).toBe(lease.id);
    expect(fake.rateLimited).toBeGreaterThan(0);
    expect(fake.pods.size).toBe(1);
  });

  it('never shows the API key; options are checked by name', async () => {
    const { fake } = await setup();
    const wrong = runpod({ apiKey: 'rpa_wrong_abcdefghijklmnop', baseUrl: fake.baseUrl, maxAttempts: 1 });
    stopAfter(() => wrong.close());
    const error = await wrong.listOffers({ gpu: ['RTX 4090'], minGpus: 1 }).catch((e: unknown) => e);
    expect(isComputeError(error, 'MARKET_UNAUTHORIZED')).toBe(true);
    const text = `${String(error)} ${JSON.stringify(error)} ${inspect(error, { depth: 5 })} ${JSON.stringify(wrong)} ${inspect(wrong)}`;
    expect(text).not.toContain('rpa_wrong_abcdefghijklmnop');
    expect(() => runpod({ apiKey: 'k', network: 'udp' as never })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('runpod.network') }));
    expect(() => runpod({ apiKey: 'k', clouds: [] })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('runpod.clouds') }));
  });

  it('network proxy: the endpoint is the HTTPS proxy URL (or the proxyUrl pattern), with normal certificate checks', () => {
    const pod = { id: 'abc123', status: 'RUNNING', runtime: { ports: [] } };
    expect(podEndpoint(pod, runpodSettings({ apiKey: 'k', network: 'proxy' }))).toBe('https://abc123-8000.proxy.runpod.net');
    expect(podEndpoint(pod, runpodSettings({ apiKey: 'k', network: 'proxy', proxyUrl: 'https://gw.example.com/{podId}/{port}' }))).toBe('https://gw.example.com/abc123/8000');
    expect(podEndpoint(pod, runpodSettings({ apiKey: 'k' }))).toBeNull();
  });
});
