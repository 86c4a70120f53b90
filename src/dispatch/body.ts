/**
 * Node response bodies as text within a size limit; past it, an error with code
 * `BODY_TOO_LARGE` that the node client maps to a protocol failure.
 */
import type { Dispatcher } from 'undici';
import { readBodyWithin } from '../util/read-body.js';

/** Read `body` as UTF-8 up to `maxBytes`; throws an error with code `BODY_TOO_LARGE` beyond it. */
export async function readBodyLimited(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
  contentLength?: string | string[],
): Promise<string> {
  const bytes = await readBodyWithin(body, maxBytes, contentLength);
  if (bytes === 'too-large') {
    const error = new Error(`response body over ${maxBytes} bytes`) as Error & { code: string };
    error.code = 'BODY_TOO_LARGE';
    throw error;
  }
  return bytes.toString('utf8');
}
