/** The server-sent-events parser, fed in awkward chunkings. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSse } from '../../src/dispatch/sse.js';

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
});
