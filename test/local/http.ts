/** A tiny protocol-v1 caller for the local marketplace tests (undici, no retries). */
import { Agent, request } from 'undici';

/** One answer. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

/** Keep-alive connections, closed by the test file's afterAll. */
export const agent = new Agent({ keepAliveTimeout: 100 });

/** Call `method base+path` with a bearer token (API key or node token) and an optional JSON body. */
export async function call(
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  init: { token?: string; body?: unknown; idempotencyKey?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? 'local'}` };
  if (init.idempotencyKey !== undefined) headers['idempotency-key'] = init.idempotencyKey;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(base + path, { dispatcher: agent, method, headers, body: init.body === undefined ? null : JSON.stringify(init.body) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) };
}
