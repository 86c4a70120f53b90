/**
 * Raw HTTP targets: a workload pointed at an OpenAI-compatible server on the node
 * forwards its input as the body and returns the response body; `stream()` yields
 * server-sent-event chunks with abort and early exit, retrying only before the first chunk.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompute, type Compute, type Marketplace } from '../../src/index.js';

const WORDS = ['The', ' quick', ' brown', ' fox', ' jumps', '.'];
let server: Server;
let endpoint = '';
let failNextStreams = 0;
const seenAuth: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true}');
    seenAuth.push(String(req.headers.authorization));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions') return void res.writeHead(404).end();
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { stream?: boolean; messages: unknown[] };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: WORDS.join('') } }] }));
        return;
      }
      if (failNextStreams > 0) {
        failNextStreams--;
        return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"warming up"}}');
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const tick = setInterval(() => {
        if (res.destroyed) return clearInterval(tick);
        if (i < WORDS.length) res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: WORDS[i++] } }] })}\n\n`);
        else {
          res.end('data: [DONE]\n\n');
          clearInterval(tick);
        }
      }, 5);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A marketplace with one node at once: the OpenAI-compatible server above. */
function oneNodeMarket(): Marketplace {
  const lease = (state: 'running' | 'terminated') => ({
    id: 'l1', offerId: 'o', state, endpoint, nodeToken: 'node-secret-token', pricePerHour: 1, createdAt: null, readyAt: null, endedAt: null, billedSec: 0, cost: 0, tags: {},
  });
  return {
    listOffers: async () => [{ id: 'o', gpu: { model: 'L4', count: 1, memoryGb: 24 }, pricePerHour: 1, currency: 'USD', billingIncrementSec: 1, minLeaseSec: 0, interruptible: false, region: 'x', reliability: 1, coldStartSec: 0, available: 1 }],
    createLease: async () => lease('running'),
    getLease: async () => lease('running'),
    listLeases: async () => [],
    releaseLease: async () => lease('terminated'),
    close: async () => {},
  };
}

function chat(compute: Compute) {
  return compute.workload('chat', {
    gpu: { model: 'L4' },
    image: 'vllm/vllm-openai',
    request: { method: 'POST', path: '/v1/chat/completions' },
    scaling: { minNodes: 1, maxNodes: 1, concurrencyPerNode: 1 },
  });
}

describe('raw HTTP targets and streaming', () => {
  it('forwards the body, returns the response body, and streams the same text in chunks', async () => {
    const compute = createCompute({ marketplace: oneNodeMarket(), journal: false });
    try {
      const w = chat(compute);
      const messages = [{ role: 'user', content: 'hi' }];
      const whole = (await w.run({ messages })) as { choices: { message: { content: string } }[] };
      expect(whole.choices[0]!.message.content).toBe(WORDS.join(''));
      const parts: string[] = [];
      for await (const chunk of w.stream<{ choices: { delta: { content?: string } }[] }>({ messages, stream: true })) {
        parts.push(chunk.choices[0]!.delta.content ?? '');
      }
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.join('')).toBe(whole.choices[0]!.message.content);
      expect(seenAuth.every((a) => a === 'Bearer node-secret-token')).toBe(true);
    } finally {
      await compute.shutdown();
    }
  });

  it('frees the node slot when the reader stops early, retries a failure before the first chunk, and aborts mid-stream', async () => {
    const compute = createCompute({ marketplace: oneNodeMarket(), journal: false });
    try {
      const w = chat(compute);
      const messages = [{ role: 'user', content: 'hi' }];
      // An iterator nobody reads queues nothing and holds no slot.
      const unread = w.stream({ messages, stream: true });
      expect(compute.metrics().workloads.chat).toMatchObject({ queued: 0, running: 0 });
      await unread.return?.(undefined);
      for await (const _ of w.stream({ messages, stream: true })) break;
      // concurrencyPerNode is 1: this only runs if the broken-off stream gave its slot back.
      await expect(w.run({ messages })).resolves.toBeDefined();

      failNextStreams = 1;
      const parts: unknown[] = [];
      for await (const chunk of w.stream({ messages, stream: true })) parts.push(chunk);
      expect(parts).toHaveLength(WORDS.length);

      const controller = new AbortController();
      const read = (async () => {
        for await (const _ of w.stream({ messages, stream: true }, { signal: controller.signal })) controller.abort();
      })();
      await expect(read).rejects.toMatchObject({ code: 'ABORTED' });
      await expect(w.run({ messages })).resolves.toBeDefined();
    } finally {
      await compute.shutdown();
    }
  });

  it('refuses stream() on a workload without a raw target', async () => {
    const compute = createCompute({ marketplace: oneNodeMarket(), journal: false });
    try {
      const w = compute.workload('plain', { gpu: { model: 'L4' }, image: 'i' });
      await expect(w.stream({}).next()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    } finally {
      await compute.shutdown();
    }
  });
});
