/**
 * HTTP to one leased node: a keep-alive undici `Pool` sized to the node's slots,
 * the node token as Bearer, bounded bodies, and failures mapped to `NodeError`
 * with a verdict the dispatcher acts on (retry elsewhere, or give up).
 */
import { Pool, type Dispatcher } from 'undici';
import { NodeError } from '../errors.js';
import { readTextWithin } from '../util/read-body.js';
import { NodeStream } from './node-stream.js';
import { pinnedConnector } from '../providers/tls/pinned-connector.js';
import type { CancelSignal } from '../util/cancellation.js';
import type { EndpointPolicy } from '../leases/node-endpoint.js';
import { guardedLookup } from './guarded-lookup.js';
import type { SecretSet } from '../util/redact.js';

/** Options of a {@link NodeClient}. */
export interface NodeClientOptions {
  /** Lease id, for errors. */
  leaseId: string;
  /** Node base URL from the lease, e.g. `http://10.0.0.7:8080`. */
  endpoint: string;
  /** Node token. Held privately; never in errors. */
  nodeToken: string;
  /** Keep-alive connections to open at most (the node's slots). */
  connections: number;
  /** Header and body (inactivity) timeout of each task attempt, ms. @default 300000 */
  timeoutMs?: number;
  /** Largest response body accepted, bytes. @default 33554432 (32 MiB) */
  maxBodyBytes?: number;
  /** Send through this dispatcher instead of a private Pool (tests). Ignored for a pinned node. */
  dispatcher?: Dispatcher;
  /** Require this TLS public key (SPKI SHA-256, base64url) from the node; see `Lease.tlsPin`. */
  tlsPin?: string | undefined;
  /** Secrets to keep out of errors: what the node says is redacted before it reaches one. */
  secrets?: SecretSet | undefined;
  /** Refuse to connect when the endpoint's host name resolves to an address these rules refuse. */
  endpointPolicy?: EndpointPolicy | undefined;
}

/** One task attempt to send. */
export interface NodeRunRequest {
  workload: string;
  input: unknown;
  taskId: string;
  /**
   * Aborts the attempt when the caller gives up. Omitted when the caller cannot
   * (no signal, no timeout): registering one costs a measurable share of a fast task.
   */
  signal?: CancelSignal | undefined;
  /** Send the input as the body of this request instead of the node protocol's `/v1/run`. */
  target?: HttpTarget | undefined;
  /** Hand back the response as a {@link NodeStream} once its first chunk arrives. */
  stream?: boolean | undefined;
}

/** A raw HTTP request on the node (e.g. an OpenAI-compatible `/v1/chat/completions`). */
export interface HttpTarget {
  method: string;
  path: string;
  headers?: Readonly<Record<string, string>> | undefined;
}

/** Reasons a task attempt failed that say the node itself may be broken. */
export type NodeFailureKind = 'connection' | 'timeout' | 'server' | 'auth' | 'busy' | 'rejected' | 'protocol' | 'aborted' | 'released';

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

/** Sends tasks to one node over keep-alive connections. */
export class NodeClient {
  readonly leaseId: string;
  readonly endpoint: string;
  readonly #authorization: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #maxBody: number;
  readonly #origin: string;
  readonly #secrets: SecretSet | undefined;
  readonly #token: string;

  constructor(options: NodeClientOptions) {
    this.leaseId = options.leaseId;
    this.endpoint = options.endpoint;
    this.#authorization = `Bearer ${options.nodeToken}`;
    this.#token = options.nodeToken;
    this.#secrets = options.secrets;
    this.#maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const url = new URL(options.endpoint);
    this.#origin = url.origin;
    // A pinned node gets its own Pool whatever dispatcher was given: the pin lives in
    // the Pool's connector, and a shared dispatcher would not check it.
    const shared = options.tlsPin === undefined ? options.dispatcher : undefined;
    this.#ownsDispatcher = shared === undefined;
    this.#dispatcher =
      shared ??
      new Pool(url.origin, {
        // A pinned node needs no address check: nothing is sent before it shows the pinned key.
        ...(options.tlsPin !== undefined
          ? { connect: pinnedConnector(options.tlsPin) }
          : options.endpointPolicy
            ? { connect: { lookup: guardedLookup(url, options.endpointPolicy) } }
            : {}),
        connections: Math.max(1, options.connections),
        pipelining: 1,
        keepAliveTimeout: 30_000,
        // Pool-level timeouts: set per request they cost as much as a tenth of a fast task.
        headersTimeout: options.timeoutMs ?? 300_000,
        bodyTimeout: options.timeoutMs ?? 300_000,
      });
  }

  /**
   * `GET /healthz` → true when the node says `{ ready: true }`. A node that does not
   * serve `/healthz` (404: an inference server such as vLLM or TGI, run without the
   * agent) is asked `GET /health`, where 200 means ready. Never throws.
   */
  async healthy(signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    try {
      const res = await this.#get('/healthz', signal, timeoutMs);
      if (res.status === 404) return (await this.#get('/health', signal, timeoutMs)).status === 200;
      if (res.status !== 200) return false;
      const parsed = JSON.parse(res.text) as { ready?: unknown };
      return parsed.ready === true;
    } catch {
      return false;
    }
  }

  async #get(path: string, signal: AbortSignal, timeoutMs: number): Promise<{ status: number; text: string }> {
    const res = await this.#dispatcher.request({
      origin: this.#origin,
      path,
      method: 'GET',
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await readTextWithin(res.body, 64 * 1024, undefined);
    return { status: res.statusCode, text };
  }

  /**
   * Run one task attempt. Resolves with the node's `output` (node protocol), the
   * response body (raw target), or a {@link NodeStream}; rejects with `NodeError`.
   */
  async run(request: NodeRunRequest): Promise<unknown> {
    if (request.target) return this.runRaw(request, request.target);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#dispatcher.request({
        origin: this.#origin,
        path: '/v1/run',
        method: 'POST',
        headers: { authorization: this.#authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ workload: request.workload, input: request.input, taskId: request.taskId }),
        signal: request.signal as AbortSignal | undefined,
      });
    } catch (error) {
      throw this.transportError(error, request.signal);
    }
    let text: string;
    try {
      text = await readTextWithin(res.body, this.#maxBody, res.headers['content-length']);
    } catch (error) {
      throw this.transportError(error, request.signal);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw this.failure('protocol', `node answered ${res.statusCode} with a body that is not JSON`, res.statusCode);
      }
      if (typeof body !== 'object' || body === null || !('output' in body)) {
        throw this.failure('protocol', `node answered ${res.statusCode} without an "output" field`, res.statusCode);
      }
      return (body as { output: unknown }).output;
    }
    throw this.statusError(res.statusCode, text);
  }

  private async runRaw(request: NodeRunRequest, target: HttpTarget): Promise<unknown> {
    const body = request.input === undefined ? undefined : typeof request.input === 'string' ? request.input : JSON.stringify(request.input);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#dispatcher.request({
        origin: this.#origin,
        path: target.path,
        method: target.method as Dispatcher.HttpMethod,
        headers: {
          ...target.headers,
          authorization: this.#authorization,
          'x-task-id': request.taskId,
          ...(body !== undefined ? { 'content-type': typeof request.input === 'string' ? 'text/plain' : 'application/json' } : {}),
          ...(request.stream ? { accept: 'text/event-stream' } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        signal: request.signal as AbortSignal | undefined,
      });
    } catch (error) {
      throw this.transportError(error, request.signal);
    }
    const contentType = String(res.headers['content-type'] ?? '');
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await readTextWithin(res.body, 64 * 1024, undefined).catch(() => '');
      throw this.statusError(res.statusCode, text);
    }
    if (request.stream) return this.openStream(res, contentType, request.signal);
    let text: string;
    try {
      text = await readTextWithin(res.body, this.#maxBody, res.headers['content-length']);
    } catch (error) {
      throw this.transportError(error, request.signal);
    }
    if (!contentType.includes('json')) return text;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.failure('protocol', `node answered ${res.statusCode} with ${contentType} that does not parse`, res.statusCode);
    }
  }

  /** Wait for the first chunk (a failure before it is still retried), then hand the stream over. */
  private async openStream(res: Dispatcher.ResponseData, contentType: string, signal: CancelSignal | undefined): Promise<NodeStream> {
    const iterator = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let first: IteratorResult<Buffer>;
    try {
      first = await iterator.next();
    } catch (error) {
      throw this.transportError(error, signal);
    }
    return new NodeStream(contentType, first.done ? undefined : first.value, iterator, () => res.body.destroy());
  }

  /** Close the connections (in-flight requests are destroyed). Idempotent. */
  async close(): Promise<void> {
    if (!this.#ownsDispatcher) return;
    await this.#dispatcher.destroy().catch(() => undefined);
  }

  /**
   * Text from the node (or the network) made safe for an error: the runtime's known
   * secrets, and always this node's own token, redacted before anything is cut short.
   */
  private redact(text: string): string {
    const own = this.#token.length > 0 ? text.split(this.#token).join('***') : text;
    return this.#secrets ? this.#secrets.redact(own) : own.replace(/\bBearer\s+[^\s"',;]+/gi, 'Bearer ***');
  }

  private statusError(status: number, text: string): NodeError {
    const detail = nodeErrorMessage(this.redact(text));
    const suffix = detail ? `: ${detail}` : '';
    if (status === 401 || status === 403) return this.failure('auth', `node refused the node token (${status})`, status);
    if (status === 429 || status === 503) return this.failure('busy', `node is busy (${status})${suffix}`, status);
    // Cloudflare's "a timeout occurred": RunPod's HTTPS proxy ends any request after 100 s.
    if (status === 524) {
      return this.failure('server', `the HTTPS proxy in front of the node cut the request at its time limit (524; RunPod's proxy allows 100 s): keep tasks shorter, or reach the node directly (runpod({ network: 'tcp' }))`, status);
    }
    if (status >= 500 || status === 408) return this.failure('server', `node failed with ${status}${suffix}`, status);
    return this.failure('rejected', `node rejected the task with ${status}${suffix}`, status);
  }

  private transportError(error: unknown, signal: CancelSignal | undefined): NodeError {
    if (signal?.aborted) return this.failure('aborted', 'attempt aborted', undefined, signal.reason);
    const code = (error as { code?: string } | null)?.code ?? '';
    const kind: NodeFailureKind = code.includes('TIMEOUT') ? 'timeout' : code === 'BODY_TOO_LARGE' ? 'protocol' : 'connection';
    const what =
      kind === 'timeout'
        ? 'timed out'
        : kind === 'protocol'
          ? 'sent a body over the size limit'
          : code === 'ENDPOINT_REFUSED'
            ? `was not connected to: ${(error as Error).message}`
            : `connection failed (${code || 'error'})`;
    return this.failure(kind, `node ${this.redact(what)}`, undefined, sanitizeCause(error, (text) => this.redact(text)));
  }

  private failure(kind: NodeFailureKind, message: string, status: number | undefined, cause?: unknown): NodeError {
    const retryable = kind !== 'rejected';
    return new NodeError('NODE_FAILED', `lease ${this.leaseId}: ${message}`, this.leaseId, status, {
      retryable,
      cause,
      details: { kind },
    });
  }
}

/** The `error.message` of a protocol error body, truncated; '' when absent. */
function nodeErrorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string };
    const message = typeof body.error === 'string' ? body.error : body.error?.message;
    // One line: a node must not be able to forge log lines through its message.
    return typeof message === 'string' ? message.replace(/\s+/g, ' ').slice(0, 200) : '';
  } catch {
    return '';
  }
}

/** Keep only the code and message of a transport error: undici errors can hold request options (headers). */
function sanitizeCause(error: unknown, redact: (text: string) => string): Error {
  const e = error as { code?: string; message?: string; name?: string } | null;
  const clean = new Error(redact(e?.message ?? String(error)));
  clean.name = e?.name ?? 'Error';
  if (e?.code) (clean as Error & { code?: string }).code = e.code;
  return clean;
}
