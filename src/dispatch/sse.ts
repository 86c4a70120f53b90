/**
 * Server-sent events from a byte stream (the `text/event-stream` format): events are
 * separated by a blank line, fields are `name: value` lines, `data` lines join with
 * newlines, lines starting with `:` are comments. Enough for OpenAI-style streams.
 */

/** One server-sent event. */
export interface SseEvent {
  /** The `event:` field, when given. */
  event?: string;
  /** The `id:` field, when given. */
  id?: string;
  /** The `data:` lines, joined by newlines. */
  data: string;
}

/** Parse `chunks` into events as they arrive (pull-based: nothing is read ahead). */
export async function* parseSse(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<SseEvent> {
  let buffer = '';
  let current: { event?: string; id?: string; data: string[] } = { data: [] };
  const decoder = new TextDecoder();
  const flush = function* (): Generator<SseEvent> {
    if (current.data.length > 0 || current.event !== undefined) {
      yield { ...(current.event !== undefined ? { event: current.event } : {}), ...(current.id !== undefined ? { id: current.id } : {}), data: current.data.join('\n') };
    }
    current = { data: [] };
  };
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        yield* flush();
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') current.data.push(value);
      else if (field === 'event') current.event = value;
      else if (field === 'id') current.id = value;
    }
  }
  if (buffer !== '') current.data.push(...(buffer.startsWith('data:') ? [buffer.slice(5).replace(/^ /, '')] : []));
  yield* flush();
}
