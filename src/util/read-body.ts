/**
 * Reads an undici response body within a size limit, for marketplace and node
 * responses alike: a broken or hostile server must not be able to fill our memory.
 */
import type { Dispatcher } from 'undici';

type Body = Dispatcher.ResponseData['body'];

/**
 * The whole body, or `'too-large'` (then it was not read: the connection is dropped).
 * A declared length within the limit takes undici's own consumer, much faster than
 * iterating (undici fails the read if the body then runs past that length).
 */
export async function readBodyWithin(body: Body, limit: number, contentLength: string | string[] | undefined): Promise<Buffer | 'too-large'> {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : NaN;
  if (declared > limit) {
    discard(body);
    return 'too-large';
  }
  if (declared >= 0) return Buffer.from(await body.arrayBuffer());
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      discard(body);
      return 'too-large';
    }
    chunks.push(buf);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function discard(body: Body): void {
  // undici reports a destroyed body as an error event; we asked for it, so swallow it.
  body.on('error', () => undefined);
  body.destroy();
}
