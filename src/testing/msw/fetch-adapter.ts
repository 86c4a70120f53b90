/**
 * The marketplace core behind fetch's `Request`/`Response`, as msw resolvers see
 * them: the same routes, auth and faults the `node:http` server runs, reached
 * without a socket.
 */
import type { Clock } from '../../clock.js';
import type { ApiReply, ApiRequest } from '../../local/market/api.js';
import type { MarketCore } from '../../local/market/core.js';
import { MAX_REQUEST_BYTES } from '../../local/market/http-util.js';
import type { JsonBody } from '../../local/market/http-util.js';
import type { RequestLogEntry } from '../../local/market/server.js';

/** Where the core is mounted and where its answers are logged. */
export interface FetchAdapterOptions {
  core: MarketCore;
  clock: Clock;
  /** Path prefix of the marketplace URL (`''` or e.g. `/api`), stripped before routing. */
  basePath: string;
  /** Answers are appended here. */
  requestLog: RequestLogEntry[];
}

/** Answer a fetch `Request` with the core. */
export async function answerWithCore(request: Request, options: FetchAdapterOptions): Promise<Response> {
  const url = new URL(request.url);
  const path = (url.pathname.startsWith(options.basePath) ? url.pathname.slice(options.basePath.length) : url.pathname) || '/';
  const apiRequest: ApiRequest = {
    method: request.method.toUpperCase(),
    url: path + url.search,
    header: (name) => request.headers.get(name) ?? undefined,
    json: () => readJson(request),
  };
  let reply: ApiReply;
  try {
    reply = await options.core.handle(apiRequest);
  } catch {
    reply = { status: 500, body: { error: { code: 'INTERNAL', message: 'marketplace failed', retryable: true } } };
  }
  options.requestLog.push({ method: apiRequest.method, path: apiRequest.url, status: reply.status, at: options.clock.now() });
  return jsonResponse(reply);
}

/** A JSON `Response` for a core reply. */
export function jsonResponse(reply: ApiReply): Response {
  return new Response(JSON.stringify(reply.body), {
    status: reply.status,
    headers: { 'content-type': 'application/json', ...reply.headers },
  });
}

async function readJson(request: Request): Promise<JsonBody> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_REQUEST_BYTES) return { ok: false, message: `body is larger than ${MAX_REQUEST_BYTES} bytes` };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    return { ok: false, message: 'body is not valid JSON' };
  }
}
