/** The server-sent-events parser, fed in awkward chunkings. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSse, SseLimitError } from '../../src/dispatch/sse.js';

async function collect(chunks: string[]) {
  const out = [];
  for await (const e of parseSse((async function* () { yield* chunks; })())) out.push(e);
  return out;
}

describe('parseSse', () => {
  it('joins data lines, keeps event and id, skips comments, handles CRLF', async () => {
    const events = await collect([': hello\r\n', 'event: delta\r\nid: 7\r\ndata: a\r\ndata: b\r\n\r\n', 'data: {"x":1}\n\n', 'data: [DONE]\n\n']);
    expect(events).toEqual([{ event: 'delta', id: '7', data: 'a\nb' }, { data: '{"x":1}' }, { data: '[DONE]' }]);
  });

  it('gives the same events however the bytes are split', async () => {
    const text = 'data: one\n\nevent: e\ndata: two\n\ndata: three\ndata: four\n\n';
    const whole = await collect([text]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 8 }), async (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const parts = [0, ...points, text.length].slice(1).map((end, i, arr) => text.slice(i === 0 ? 0 : arr[i - 1], end));
        expect(await collect(parts)).toEqual(whole);
      }),
    );
  });

  it('treats CRLF, CR and LF alike wherever the chunks are cut (a CR at a chunk end included)', async () => {
    const text = '\ufeffevent: a\r\ndata: 1\r\n\r\ndata: 2\rdata: 3\r\rdata: é€\n\n: c\r\ndata: last\r\n\r\n';
    const expected = [{ event: 'a', data: '1' }, { data: '2\n3' }, { data: 'é€' }, { data: 'last' }];
    expect(await collect([text])).toEqual(expected);
    const bytes = Buffer.from(text);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), async (cuts) => {
        const points = [0, ...new Set(cuts)].sort((a, b) => a - b);
        // Byte cuts: a UTF-8 character may be split between chunks too.
        const parts = points.map((start, i) => bytes.subarray(start, points[i + 1] ?? bytes.length));
        const out = [];
        for await (const e of parseSse((async function* () { yield* parts; })())) out.push(e);
        expect(out).toEqual(expected);
      }),
    );
  });

  it('stops at an event past maxEventBytes before reading the rest of it', async () => {
    let pulled = 0;
    async function* huge() {
      yield 'data: small\n\n';
      yield 'data: ';
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.alloc(64 * 1024, 0x61);
      }
      yield '\n\n';
    }
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const e of parseSse(huge(), { maxEventBytes: 256 * 1024 })) seen.push(e.data);
      })(),
    ).rejects.toBeInstanceOf(SseLimitError);
    expect(seen).toEqual(['small']);
    expect(pulled).toBeLessThanOrEqual(5);
  });

  it('counts an event across its lines: many small data lines add up to the limit', async () => {
    const lines = Array.from({ length: 100 }, () => `data: ${'x'.repeat(100)}\n`).join('');
    await expect(collectWith([lines, '\n'], 5_000)).rejects.toBeInstanceOf(SseLimitError);
    await expect(collectWith([lines, '\n'], 20_000)).resolves.toHaveLength(1);
  });

  it('parses one 8 MiB event fed in 64 KiB chunks', async () => {
    const payload = 'y'.repeat(8 * 1024 * 1024);
    const whole = Buffer.from(`data: ${payload}\n\n`);
    const parts: Buffer[] = [];
    for (let i = 0; i < whole.length; i += 64 * 1024) parts.push(whole.subarray(i, i + 64 * 1024));
    const out = [];
    for await (const e of parseSse((async function* () { yield* parts; })())) out.push(e);
    expect(out).toHaveLength(1);
    expect(out[0]!.data.length).toBe(payload.length);
  });
});

async function collectWith(chunks: string[], maxEventBytes: number) {
  const out = [];
  for await (const e of parseSse((async function* () { yield* chunks; })(), { maxEventBytes })) out.push(e);
  return out;
}
