/**
 * Server-sent events from a byte stream (the `text/event-stream` format): events are
 * separated by a blank line, fields are `name: value` lines, `data` lines join with
 * newlines, lines starting with `:` are comments. Enough for OpenAI-style streams.
 *
 * Linear in the input: line breaks are found with `Buffer.indexOf` in each new chunk
 * only, and a line split across chunks is kept as pieces joined once it ends (a 40 MB
 * line costs one join, not a rescan per chunk). Line breaks are ASCII, so cutting the
 * bytes there never splits a UTF-8 character. An event past `maxEventBytes` stops
 * the parse with {@link SseLimitError} as soon as the limit is crossed, before the
 * rest of it is buffered.
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

/** Limits of {@link parseSse}. */
export interface SseLimits {
  /** Bytes one event may take on the wire (its lines and line breaks). @default Infinity */
  maxEventBytes?: number;
}

/** An event went past `maxEventBytes`. */
export class SseLimitError extends Error {
  constructor(readonly limit: number) {
    super(`a server-sent event went past ${limit} bytes`);
    this.name = 'SseLimitError';
  }
}

const LF = 0x0a;
const CR = 0x0d;

/** Parse `chunks` into events as they arrive (pull-based: nothing is read ahead). */
export async function* parseSse(chunks: AsyncIterable<Buffer | string>, limits: SseLimits = {}): AsyncGenerator<SseEvent> {
  const maxEvent = limits.maxEventBytes ?? Infinity;
  let pieces: Buffer[] = [];
  let pending = 0;
  // Bytes of the event so far (complete lines and their breaks).
  let eventBytes = 0;
  // The previous chunk ended in CR: a LF at the start of this one belongs to it.
  let skipLf = false;
  let firstLine = true;
  let current: { event?: string; id?: string; data: string[] } = { data: [] };

  const takeLine = (tail: Buffer): string => {
    const bytes = pieces.length === 0 ? tail : Buffer.concat([...pieces, tail], pending + tail.length);
    pieces = [];
    pending = 0;
    let line = bytes.toString('utf8');
    if (firstLine) {
      firstLine = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    return line;
  };

  /** Apply one complete line; returns an event when the line ends one. */
  const apply = (line: string): SseEvent | undefined => {
    if (line === '') {
      eventBytes = 0;
      const done = current;
      current = { data: [] };
      if (done.data.length === 0 && done.event === undefined) return undefined;
      return { ...(done.event !== undefined ? { event: done.event } : {}), ...(done.id !== undefined ? { id: done.id } : {}), data: done.data.join('\n') };
    }
    if (line.charCodeAt(0) === 0x3a /* : */) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') current.data.push(value);
    else if (field === 'event') current.event = value;
    else if (field === 'id') current.id = value;
    return undefined;
  };

  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    let start = 0;
    if (skipLf && chunk.length > 0) {
      skipLf = false;
      if (chunk[0] === LF) start = 1;
    }
    let nextLf = chunk.indexOf(LF, start);
    let nextCr = chunk.indexOf(CR, start);
    while (nextLf >= 0 || nextCr >= 0) {
      const end = nextCr < 0 ? nextLf : nextLf < 0 ? nextCr : Math.min(nextLf, nextCr);
      let after = end + 1;
      if (chunk[end] === CR) {
        if (end + 1 < chunk.length) {
          if (chunk[end + 1] === LF) after = end + 2;
        } else skipLf = true;
      }
      eventBytes += pending + (after - start);
      if (eventBytes > maxEvent) throw new SseLimitError(maxEvent);
      const event = apply(takeLine(chunk.subarray(start, end)));
      if (event !== undefined) yield event;
      start = after;
      if (nextLf >= 0 && nextLf < start) nextLf = chunk.indexOf(LF, start);
      if (nextCr >= 0 && nextCr < start) nextCr = chunk.indexOf(CR, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (eventBytes + pending + rest.length > maxEvent) throw new SseLimitError(maxEvent);
      pieces.push(rest);
      pending += rest.length;
    }
  }
  // The stream ended without a final blank line: a last `data:` line still counts.
  if (pending > 0) {
    const line = takeLine(Buffer.alloc(0));
    if (line.startsWith('data:')) apply(line);
  }
  const last = apply('');
  if (last !== undefined) yield last;
}
