/**
 * Small `node:http` helpers shared by the marketplace server core (local and fake)
 * and the node servers: JSON bodies with a size limit, the protocol-v1 error
 * envelope, bearer tokens, listening and closing.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { bearerOf, errorBody } from './api.js';

/** Largest request body the servers read. */
export const MAX_REQUEST_BYTES = 1_048_576;

/** Result of {@link readJsonBody}. */
export type JsonBody = { ok: true; value: unknown } | { ok: false; message: string };

/** Read and parse a JSON request body. */
export async function readJsonBody(req: IncomingMessage): Promise<JsonBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_REQUEST_BYTES) return { ok: false, message: `body is larger than ${MAX_REQUEST_BYTES} bytes` };
    chunks.push(buf);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, message: 'body is not valid JSON' };
  }
}

/** Answer with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Answer with the protocol-v1 error envelope `{ error: { code, message, retryable } }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, errorBody(status, code, message), headers);
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  return bearerOf(req.headers.authorization);
}

/** Constant-time comparison, so the servers do not teach a timing leak by example. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Listen on 127.0.0.1 on a free port; resolve with the port. */
export function listenLoopback(server: Server): Promise<number> {
  return listenOn(server, '127.0.0.1', 0);
}

/** Listen on `host:port` (port 0: a free one); resolve with the port bound. */
export function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

/** Stop listening and destroy every open connection, in-flight requests included. */
export function destroyServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      server.closeAllConnections();
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
