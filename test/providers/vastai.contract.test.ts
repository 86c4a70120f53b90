/**
 * The Vast.ai adapter against a fake of Vast's documented API: the request shapes
 * (paths, fields, Bearer auth), offers mapped to the names users write, an instance
 * that runs a real agent with the env the request carried and is reached over TLS
 * pinned to its lease's key, asynchronous deletion read back to the end, the v1
 * listing paged by `after_token`, lost create answers, capacity refusals and 429s.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NodeClient } from '../../src/dispatch/node-client.js';
import { isComputeError } from '../../src/errors.js';
import { vastai } from '../../src/providers/index.js';
import type { VastMarketplace } from '../../src/providers/index.js';
import { termsBreach } from '../../src/leases/lease-terms.js';
import { decodeLabel } from '../../src/providers/label.js';
import { VastFake, parseEnvString } from '../support/vast-fake.js';
import { stopsAfterEach, untilState } from '../support/provider-tests.js';
import type { VastFakeOptions } from '../support/vast-fake.js';

const stopAfter = stopsAfterEach();

async function setup(options: VastFakeOptions = {}): Promise<{ fake: VastFake; market: VastMarketplace }> {
  const fake = await new VastFake(options).start();
  const market = vastai({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 });
  stopAfter(() => fake.stop(), () => market.close());
  return { fake, market };
}

const request = (node: string, offerId = '101') => ({
  offerId,
  image: 'ghcr.io/acme/llm-node:1',
  env: { MODEL: 'tiny', HF_HOME: '/cache' },
  maxPricePerHour: 1,
  tags: { client: 'app-1', workload: 'llm', node, host: 'h', pid: '1' },
});


describe('vastai() offers', () => {
  it('searches POST /api/v0/bundles/ with the documented filter and reports offers under the names users write', async () => {
    const { fake, market } = await setup();
    const offers = await market.listOffers({ gpu: ['RTX 4090', 'A100'], minGpus: 1, minMemoryGb: 20 });
    const searches = fake.requests.filter((r) => r.path === '/api/v0/bundles/');
    expect(searches.map((r) => r.method)).toEqual(['POST', 'POST']);
    for (const r of searches) {
      expect(r.authorization).toBe(`Bearer ${fake.apiKey}`);
      expect(r.contentType).toBe('application/json');
      expect(r.body).toMatchObject({ num_gpus: { gte: 1 }, rentable: { eq: true }, order: [['dph_total', 'asc']], gpu_ram: { gte: 20000 } });
      expect((r.body as { gpu_name: { in: string[] } }).gpu_name.in).toEqual(expect.arrayContaining(['RTX 4090', 'A100', 'A100 SXM4']));
    }
    expect(searches.map((r) => (r.body as { type: string }).type).sort()).toEqual(['bid', 'on-demand']);
    // Only documented filter fields (search_offers.yaml).
    for (const r of searches) expect(Object.keys(r.body as object).sort()).toEqual(['allocated_storage', 'gpu_name', 'gpu_ram', 'limit', 'num_gpus', 'order', 'rentable', 'type']);
    const onDemand = offers.filter((o) => !o.interruptible);
    expect(onDemand.map((o) => [o.id, o.gpu.model, o.pricePerHour])).toEqual([
      ['101', 'RTX 4090', 0.4],
      ['102', 'RTX 4090', 0.45],
      ['103', 'A100', 1.2],
    ]);
    expect(onDemand[0]).toMatchObject({ gpu: { count: 1, memoryGb: 24 }, billingIncrementSec: 1, reliability: 0.99, region: 'Norway, NO', currency: 'USD' });
    const bids = offers.filter((o) => o.interruptible);
    expect(bids.map((o) => o.id)).toEqual(['101:bid', '102:bid', '103:bid']);
    // Only one kind when the query says which.
    fake.requests.length = 0;
    await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: false });
    expect(fake.requests.map((r) => (r.body as { type: string }).type)).toEqual(['on-demand']);
  });
});

describe('vastai() leases', () => {
  it('creates from an ask with image, label and env string; the node runs the request env and is reached over pinned TLS', async () => {
    const { fake, market } = await setup();
    const created = await market.createLease(request('llm#a.1'), 'idem-1');
    expect(created.state).toBe('provisioning');
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe('/api/v0/asks/101/');
    expect(put.authorization).toBe(`Bearer ${fake.apiKey}`);
    const body = put.body as Record<string, unknown>;
    expect(body).toMatchObject({ image: 'ghcr.io/acme/llm-node:1', runtype: 'args', disk: 16 });
    expect(body.price).toBeUndefined();
    expect(decodeLabel(body.label as string)).toEqual({ client: 'app-1', workload: 'llm', node: 'llm#a.1', host: 'h', pid: '1' });
    expect((body.label as string).length).toBeLessThanOrEqual(256);
    const env = parseEnvString(body.env as string);
    expect(env).toEqual({ env: expect.objectContaining({ MODEL: 'tiny', HF_HOME: '/cache', ADAPTIVE_COMPUTE_NODE_TOKEN: created.nodeToken }) });
    expect((body.env as string).endsWith('-p 8000:8000')).toBe(true);
    for (const entry of (body.env as string).split(' -')) expect(entry.length).toBeLessThanOrEqual(256);
    const tlsKey = (env as { env: Record<string, string> }).env.ADAPTIVE_COMPUTE_TLS_KEY;
    expect(tlsKey).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const running = await untilState(market, created.id, ['running']);
    expect(running.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(running.nodeToken).toBe(created.nodeToken);
    expect(running.tlsPin).toBe(created.tlsPin);
    expect(running.tags.node).toBe('llm#a.1');
    const client = new NodeClient({ leaseId: running.id, endpoint: running.endpoint!, nodeToken: running.nodeToken!, connections: 1, tlsPin: running.tlsPin });
    expect(await client.run({ workload: 'llm', input: { q: 1 }, taskId: 't' })).toEqual({ echo: { q: 1 } });
    await client.close();

    // Each lease has its own token and key.
    const second = await market.createLease(request('llm#a.2', '102'), 'idem-2');
    expect(second.nodeToken).not.toBe(created.nodeToken);
    expect(second.tlsPin).not.toBe(created.tlsPin);
  });

  it('bids at the offer\'s min_bid for an interruptible offer', async () => {
    const { fake, market } = await setup();
    await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: true });
    await market.createLease(request('llm#b.1', '101:bid'), 'idem');
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe('/api/v0/asks/101/');
    expect((put.body as { price: number }).price).toBe(0.25);
  });

  it('release deletes, then reads back: terminating while Vast still lists it, terminated once {instances: null}', async () => {
    const { fake, market } = await setup({ deleteDelayMs: 600 });
    const created = await market.createLease(request('llm#c.1'), 'k');
    const released = await market.releaseLease(created.id);
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === `/api/v0/instances/${created.id}/`)).toBe(true);
    expect(released.state).toBe('terminating');
    const ended = await untilState(market, created.id, ['terminated'], 5_000);
    expect(ended.state).toBe('terminated');
    // Releasing again is fine (Vast answers 404 for a gone instance).
    expect((await market.releaseLease(created.id)).state).toBe('terminated');
    expect(fake.live()).toHaveLength(0);
  });

  it('lists by tag through the paged /api/v1/instances/ (after_token), never the v0 list', async () => {
    const { fake, market } = await setup({ pageLimit: 2 });
    for (const n of [1, 2, 3]) await market.createLease(request(`llm#d.${n}`, String(100 + n)), `k${n}`);
    const other = { ...request('other#x.1', '104'), tags: { client: 'someone-else', workload: 'x', node: 'other#x.1' } };
    await market.createLease(other, 'k4');
    const mine = await market.listLeases('client:app-1');
    expect(mine.map((l) => l.tags.node).sort()).toEqual(['llm#d.1', 'llm#d.2', 'llm#d.3']);
    const lists = fake.requests.filter((r) => r.path.startsWith('/api/v1/instances/'));
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(lists.some((r) => r.path.includes('after_token='))).toBe(true);
    expect(fake.requests.some((r) => r.path === '/api/v0/instances/')).toBe(false);
  });

  it('a create whose answer is lost leaves exactly one instance: the label is looked up before the retry', async () => {
    const { fake, market } = await setup({ loseCreateAnswers: 1 });
    const lease = await market.createLease(request('llm#e.1'), 'k');
    expect(fake.instances.size).toBe(1);
    expect(lease.id).toBe(String([...fake.instances.keys()][0]));
    expect(lease.tags.node).toBe('llm#e.1');
    const order = fake.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(order.indexOf('GET /api/v1/instances/')).toBeGreaterThan(order.indexOf('PUT /api/v0/asks/101/'));
    expect(order.filter((o) => o.startsWith('PUT'))).toHaveLength(1);
  });

  it('a no_such_ask refusal is OFFER_GONE and the offer drops out of the next listing', async () => {
    const { market } = await setup({ goneAsks: [101] });
    const error = await market.createLease(request('llm#f.1'), 'k').catch((e: unknown) => e);
    expect(isComputeError(error, 'OFFER_GONE')).toBe(true);
    const offers = await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: false });
    expect(offers.map((o) => o.id)).toEqual(['102']);
  });

  it('quotes the disk it rents: the listed price includes its storage, and the instance bills no more than listed', async () => {
    // 7.2 $/GB/month is 0.01 $/GB/h: 50 GB add 0.5 $/h to the GPU's 0.3.
    const offers = [{ id: 201, gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, dph_total: 0.3, min_bid: 0.2, reliability2: 0.99, geolocation: 'Norway, NO', storage_cost: 7.2 }];
    const fake = await new VastFake({ offers }).start();
    const market = vastai({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000, diskGb: 50 });
    stopAfter(() => fake.stop(), () => market.close());
    const [offer] = await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: false });
    expect(offer!.pricePerHour).toBeCloseTo(0.8, 9);
    const created = await market.createLease({ ...request('llm#q.1', '201'), maxPricePerHour: offer!.pricePerHour }, 'k');
    expect((fake.requests.find((r) => r.method === 'PUT')!.body as { disk: number }).disk).toBe(50);
    const running = await untilState(market, created.id, ['running']);
    expect(running.pricePerHour).toBeCloseTo(offer!.pricePerHour, 9);
    // What the lease manager checks every answer against (maxPricePerHour is the offer's price).
    expect(termsBreach(running, { offer: offer!, maxPricePerHour: offer!.pricePerHour, currency: 'USD' }, 1)).toBeUndefined();
  });

  it('a create that no longer matches the search quote (invalid_price) is OFFER_GONE', async () => {
    const { fake, market } = await setup();
    await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: false });
    // Another process quoted the same ask for another disk size since.
    const other = vastai({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, diskGb: 40 });
    stopAfter(() => other.close());
    await other.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: false });
    const error = await market.createLease(request('llm#r.1'), 'k').catch((e: unknown) => e);
    expect(isComputeError(error, 'OFFER_GONE')).toBe(true);
    expect(fake.instances.size).toBe(0);
    expect((await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: false })).map((o) => o.id)).toEqual(['102']);
  });

  it('plain-text 429s without Retry-After are retried with backoff', async () => {
    const { fake, market } = await setup({ rateLimitEvery: 3 });
    const offers = await market.listOffers({ gpu: ['RTX 4090'], minGpus: 1, interruptible: false });
    expect(offers.length).toBe(2);
    const lease = await market.createLease(request('llm#g.1'), 'k');
    expect((await market.getLease(lease.id)).id).toBe(lease.id);
    expect(fake.rateLimited).toBeGreaterThan(0);
    expect(fake.instances.size).toBe(1);
  });

  it('never shows the API key or a node token: errors, JSON, inspect', async () => {
    const { fake } = await setup();
    const wrong = vastai({ apiKey: 'wrong-key-abcdefghijklmnop', baseUrl: fake.baseUrl, maxAttempts: 1 });
    stopAfter(() => wrong.close());
    const error = await wrong.listOffers({ gpu: ['RTX 4090'], minGpus: 1 }).catch((e: unknown) => e);
    expect(isComputeError(error, 'MARKET_UNAUTHORIZED')).toBe(true);
    const text = `${String(error)} ${JSON.stringify(error)} ${inspect(error, { depth: 5 })} ${JSON.stringify(wrong)} ${inspect(wrong)}`;
    expect(text).not.toContain('wrong-key-abcdefghijklmnop');
    expect(() => vastai({ apiKey: '' })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('vastai.apiKey') }));
    expect(() => vastai({ apiKey: 'k', baseUrl: 'http://example.com/api/v0' })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('vastai.baseUrl') }));
    expect(() => vastai({ apiKey: 'k', diskGb: 2 })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('vastai.diskGb') }));
  });

  it('refuses env values its env string cannot carry, naming the key and not the value', async () => {
    const { market } = await setup();
    const error = await market.createLease({ ...request('llm#h.1'), env: { SECRET_PROMPT: 'two words' } }, 'k').catch((e: unknown) => e);
    expect(isComputeError(error, 'MARKET_REJECTED')).toBe(true);
    expect((error as Error).message).toContain('env.SECRET_PROMPT');
    expect((error as Error).message).not.toContain('two words');
  });
});
