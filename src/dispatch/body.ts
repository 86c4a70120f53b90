/**
 * Reads an undici response body as text, refusing to buffer more than a limit:
 * a broken or hostile node must not be able to exhaust the app's memory.
 */
import type { Dispatcher } from 'undici';

/** Read `body` as UTF-8 up to `maxBytes`; throws an error with code `BODY_TOO_LARGE` beyond it. */
export function readBodyLimited(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
  contentLength?: string | string[],
): Promise<string> {
  // Declared length within the limit: undici's own consumer is much faster than iterating.
  const declared = typeof contentLength === 'string' ? Number(contentLength) : NaN;
  if (declared >= 0 && declared <= maxBytes) return body.text();
  return readChunks(body, maxBytes);
}

async function readChunks(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      body.destroy();
      const error = new Error(`response body over ${maxBytes} bytes`) as Error & { code: string };
      error.code = 'BODY_TOO_LARGE';
      throw error;
    }
    chunks.push(buf);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
}
