/**
 * Reads an undici response body within a size limit, for marketplace and node
 * responses alike: a broken or hostile server must not be able to fill our memory.
 */
import type { Dispatcher } from 'undici';

type Body = Dispatcher.ResponseData['body'];

/**
 * The whole body, or `'too-large'` (then it was not read: the connection is dropped).
 * A declared length within the limit takes undici's own consumer (undici fails the
 * read if the body then runs past that length); a chunked body is counted as it
 * arrives.
 */
export async function readBodyWithin(body: Body, limit: number, contentLength: string | string[] | undefined): Promise<Buffer | 'too-large'> {
  const how = howToRead(body, limit, contentLength);
  if (how === 'consume') return Buffer.from(await body.arrayBuffer());
  return how === 'count' ? readCounted(body, limit) : how;
}

/**
 * {@link readBodyWithin} decoded as UTF-8, rejecting past the limit with an error whose
 * code is `BODY_TOO_LARGE`. Not `async`: this is on every task's path, and each
 * promise layer costs.
 */
export function readTextWithin(body: Body, limit: number, contentLength: string | string[] | undefined): Promise<string> {
  const how = howToRead(body, limit, contentLength);
  if (how === 'consume') return body.text();
  if (how === 'too-large') return Promise.reject(tooLarge(limit));
  return readCounted(body, limit).then((bytes) => {
    if (bytes === 'too-large') throw tooLarge(limit);
    return bytes.toString('utf8');
  });
}

/** By the declared length: too large (the body is dropped), consume at once, or count as it comes. */
function howToRead(body: Body, limit: number, contentLength: string | string[] | undefined): 'too-large' | 'consume' | 'count' {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : NaN;
  if (declared > limit) {
    discard(body);
    return 'too-large';
  }
  return declared >= 0 ? 'consume' : 'count';
}

function tooLarge(limit: number): Error {
  return Object.assign(new Error(`response body over ${limit} bytes`), { code: 'BODY_TOO_LARGE' });
}

/**
 * Chunks gathered from stream events: an async iterator would cost a promise per
 * chunk and an end-of-stream watcher per body, a tenth of a fast task's client CPU.
 */
function readCounted(body: Body, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      body.off('data', onData);
      discard(body);
      resolve('too-large');
    };
    body.on('data', onData);
    body.once('end', () => {
      ended = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    body.once('error', (error) => {
      ended = true;
      reject(error);
    });
    // A body destroyed without an error (the connection closed under it) must still settle.
    body.once('close', () => {
      if (!ended) reject(Object.assign(new Error('response body closed before its end'), { code: 'UND_ERR_SOCKET' }));
    });
  });
}

function discard(body: Body): void {
  // undici reports a destroyed body as an error event; we asked for it, so swallow it.
  body.on('error', () => undefined);
  body.destroy();
}
