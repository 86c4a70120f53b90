/**
 * The node agent's emulated OpenAI-compatible endpoint: directly (shapes, errors,
 * token-model timing, slots, streaming framing), then end to end through the SDK on
 * the embedded local marketplace, where a streamed answer joins to exactly the
 * non-streamed one for the same seed.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompute } from '../../src/compute.js';
import { startAgent } from '../../src/local/agent/agent.js';
import type { RunningAgent } from '../../src/local/agent/agent.js';
import { parseSse } from '../../src/dispatch/sse.js';
import { agent as http, call } from './http.js';

interface Completion {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}
interface Chunk {
  id: string;
  object: string;
  choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[];
  usage?: { completion_tokens: number };
}

const TOKEN = 'node-token-for-tests';
const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Why rent GPUs by the second?' },
];
let node: RunningAgent;
let base = '';

beforeAll(async () => {
  // One slot and a slow first token make queueing on the emulated GPU measurable.
  node = await startAgent({
    handler: 'echo', slots: 1, host: '127.0.0.1', port: 0, token: TOKEN, leaseId: 'lease-1', seed: 3,
    tokens: { baseMs: 120, msPerInputToken: 0, msPerOutputToken: 2 },
  });
  base = `http://127.0.0.1:${node.port}`;
});
afterAll(async () => {
  await node.close();
  await http.close();
});

/** POST a chat request; resolve with the SSE events' data. */
async function streamed(body: unknown): Promise<string[]> {
  const res = await request(`${base}/v1/chat/completions`, {
    dispatcher: http, method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/event-stream');
  const out: string[] = [];
  for await (const event of parseSse(res.body)) out.push(event.data);
  return out;
}

describe('emulated OpenAI-compatible endpoint on a node agent', () => {
  it('answers like OpenAI, deterministically from messages + seed, after the token model service time', async () => {
    const started = performance.now();
    const a = await call(base, 'POST', '/v1/chat/completions', { token: TOKEN, body: { model: 'm', messages, seed: 1, max_tokens: 5 } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(120 + 5 * 2 - 5);
    expect(a.status).toBe(200);
    const c = a.json as Completion;
    expect(c).toMatchObject({ object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'length' }] });
    expect(c.id).toMatch(/^chatcmpl-/);
    expect(Number.isInteger(c.created)).toBe(true);
    expect(c.usage.completion_tokens).toBe(5);
    expect(c.usage.total_tokens).toBe(c.usage.prompt_tokens + 5);
    expect(c.choices[0]!.message.content.split(' ')).toHaveLength(5);

    const again = (await call(base, 'POST', '/v1/chat/completions', { token: TOKEN, body: { model: 'm', messages, seed: 1, max_tokens: 5 } })).json as Completion;
    expect(again.choices[0]!.message.content).toBe(c.choices[0]!.message.content);
    expect(again.id).not.toBe(c.id);
    const other = (await call(base, 'POST', '/v1/chat/completions', { token: TOKEN, body: { model: 'm', messages, seed: 2, max_tokens: 5 } })).json as Completion;
    expect(other.choices[0]!.message.content).not.toBe(c.choices[0]!.message.content);
    const byDefault = (await call(base, 'POST', '/v1/chat/completions', { token: TOKEN, body: { messages } })).json as Completion;
    expect(byDefault).toMatchObject({ model: 'adaptive-compute-emulated', choices: [{ finish_reason: 'stop' }], usage: { completion_tokens: 16 } });
  });

  it('streams role, one chunk per token, finish, usage on request, then [DONE]; joined it is the plain answer', async () => {
    const body = { model: 'm', messages, seed: 9, max_tokens: 6 };
    const plain = (await call(base, 'POST', '/v1/chat/completions', { token: TOKEN, body })).json as Completion;
    const data = await streamed({ ...body, stream: true, stream_options: { include_usage: true } });
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(chunks.every((ch) => ch.object === 'chat.completion.chunk' && ch.id === chunks[0]!.id)).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.filter((ch) => ch.choices[0]?.delta.content)).toHaveLength(6);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(6);
    expect(chunks.map((ch) => ch.choices[0]?.delta.content ?? '').join('')).toBe(plain.choices[0]!.message.content);
  });

  it('holds a slot of the emulated GPU: with one slot, two requests take twice as long', async () => {
    const body = { messages, max_tokens: 1 };
    const started = performance.now();
    await Promise.all([0, 1].map(() => call(base, 'POST', '/v1/chat/completions', { token: TOKEN, body })));
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 120 - 5);
    expect(node.stats().running).toBe(0);
  });

  it('gives the slot back when a streaming client goes away mid-answer', async () => {
    const controller = new AbortController();
    const res = await request(`${base}/v1/chat/completions`, {
      dispatcher: http, method: 'POST', signal: controller.signal,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages, max_tokens: 5_000, stream: true }),
    });
    for await (const _ of res.body) break;
    controller.abort();
    // One slot, and the abandoned answer would hold it ~10 s: answering fast proves it was given back.
    const started = performance.now();
    const next = await call(base, 'POST', '/v1/chat/completions', { token: TOKEN, body: { messages, max_tokens: 1 } });
    expect(next.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(node.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('refuses a wrong token (401) and a bad body (400, OpenAI error envelope); lists its model', async () => {
    expect((await call(base, 'POST', '/v1/chat/completions', { token: 'nope', body: { messages } })).status).toBe(401);
    const bad = await call(base, 'POST', '/v1/chat/completions', { token: TOKEN, body: { messages: [] } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { type: 'invalid_request_error', param: 'messages' } });
    const models = await call(base, 'GET', '/v1/models', { token: TOKEN });
    expect(models.json).toMatchObject({ object: 'list', data: [{ id: 'adaptive-compute-emulated', object: 'model' }] });
  });
});

describe('through the SDK on the embedded local marketplace', () => {
  it('run() answers, stream() yields several chunks that join to the same answer for the same seed', async () => {
    const compute = createCompute({ journal: false, tickMs: 200 });
    try {
      const chat = compute.workload('chat', {
        gpu: { model: 'L4', interruptible: 'never' },
        image: 'vllm/vllm-openai',
        request: { method: 'POST', path: '/v1/chat/completions' },
        scaling: { minNodes: 1, maxNodes: 1, concurrencyPerNode: 2 },
      });
      const body = { model: 'local', messages, seed: 42, max_tokens: 12 };
      const whole = (await chat.run(body)) as Completion;
      const content = whole.choices[0]!.message.content;
      expect(content.split(' ')).toHaveLength(12);
      const parts: string[] = [];
      for await (const chunk of chat.stream<Chunk>({ ...body, stream: true })) parts.push(chunk.choices[0]?.delta.content ?? '');
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.join('')).toBe(content);
    } finally {
      await compute.shutdown();
    }
  }, 30_000);
});
