/**
 * Leased nodes behind msw: every lease still gets the fake marketplace's in-process
 * node server on 127.0.0.1 (slots, handler, token check, kill: one implementation),
 * but the lease advertises a made-up origin (`https://lease-0001.nodes.<market host>`)
 * that the handlers answer by forwarding to that server. Clients therefore need
 * nothing but the handlers, for marketplace calls and node calls alike.
 */
import { Readable } from 'node:stream';
import { Agent, request as undiciRequest } from 'undici';
import type { Dispatcher } from 'undici';
import { ComputeError } from '../../errors.js';
import type { NodeHandle, NodeLaunchSpec, NodeRuntime } from '../../local/market/node-runtime.js';

/** Headers that belong to one hop, not to the request being forwarded. */
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'upgrade']);

/** Wraps a runtime so that leases advertise `originOf(leaseId)` and remembers where each node really listens. */
export class ProxiedNodeRuntime implements NodeRuntime {
  #inner: NodeRuntime | undefined;
  readonly #originOf: (leaseId: string) => string;
  readonly #targets = new Map<string, string>();
  // undici's own client: msw intercepts global fetch and node:http, never this, so the hop is not re-intercepted.
  readonly #agent = new Agent({ keepAliveTimeout: 1_000 });

  /** @param originOf the origin a lease advertises as its endpoint */
  constructor(originOf: (leaseId: string) => string) {
    this.#originOf = originOf;
  }

  /** Run nodes with `inner`; returns this runtime, to hand to the marketplace core. */
  attach(inner: NodeRuntime): this {
    this.#inner = inner;
    return this;
  }

  /** Launch through the attached runtime; the handle's `boot()` answers the advertised origin. */
  launch(spec: NodeLaunchSpec): NodeHandle {
    if (this.#inner === undefined) throw new ComputeError('CONFIG_INVALID', 'ProxiedNodeRuntime: attach() a runtime before the first lease');
    const handle = this.#inner.launch(spec);
    const relabel = (endpoint: string): string => {
      this.#targets.set(spec.leaseId, endpoint);
      return this.#originOf(spec.leaseId);
    };
    return {
      launched: handle.launched,
      boot: () => {
        const booted = handle.boot();
        return typeof booted === 'string' ? relabel(booted) : booted.then(relabel);
      },
      // The target stays known after a kill: a dead node refuses connections, as a dead machine would.
      kill: (how) => handle.kill(how),
    };
  }

  /**
   * Forward a request for a lease's node. A lease without a booted node, or a node
   * that died, answers with a network error (`Response.error()`).
   */
  async forward(leaseId: string, request: Request): Promise<Response> {
    const target = this.#targets.get(leaseId);
    if (target === undefined) return Response.error();
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name)) headers[name] = value;
    });
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    let res: Dispatcher.ResponseData;
    try {
      res = await undiciRequest(target + url.pathname + url.search, {
        dispatcher: this.#agent,
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body: hasBody ? Buffer.from(await request.arrayBuffer()) : null,
        signal: request.signal,
      });
    } catch {
      return Response.error();
    }
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined || HOP_HEADERS.has(name)) continue;
      for (const one of Array.isArray(value) ? value : [value]) out.append(name, one);
    }
    const empty = res.statusCode === 204 || res.statusCode === 304 || request.method === 'HEAD';
    if (empty) res.body.resume();
    // Streamed, not buffered: a node that dies mid-answer errors the stream, as a reset connection does.
    const body = empty ? null : (Readable.toWeb(res.body) as ReadableStream<Uint8Array>);
    return new Response(body, { status: res.statusCode, headers: out });
  }

  /** Close the forwarding connections. */
  async close(): Promise<void> {
    await this.#agent.close().catch(() => undefined);
  }
}
