/**
 * Pieces both provider fakes share: the HTTP server on a loopback port with a
 * request log for contract assertions and every n-th request refused as rate
 * limited, a JSON answer, a body reader, the instances still listed and their
 * per-second bill, and a real agent process per instance started with the env its
 * creation request carried.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { spawnAgent, type AgentProcess } from './agent-process.js';

/** One request as the fake saw it. */
export interface LoggedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

/** Send a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Read and parse a JSON body (undefined when empty, the raw text when not JSON). */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What a fake instance runs: its port once it listens, whether it failed to start, and a stop. */
export interface InstanceNode {
  readonly agent: { readonly port: number } | undefined;
  readonly failed: boolean;
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/** A node of a fake instance: a real agent process, or a failure to start one. */
export class FakeNode implements InstanceNode {
  agent: AgentProcess | undefined;
  failed = false;
  readonly ready: Promise<void>;

  /** @param cli the package's dist/cli.js to run (default: this repository's) */
  constructor(env: Record<string, string>, cli?: string) {
    this.ready = spawnAgent(env, [], 20_000, cli).then(
      (agent) => {
        this.agent = agent;
      },
      () => {
        this.failed = true;
      },
    );
  }

  /** Stop the process (waits for its exit). */
  async stop(): Promise<void> {
    await this.ready;
    await this.agent?.stop();
  }
}

/** Seconds billed between two instants (per second, rounded up). */
export function billedSeconds(fromMs: number, toMs: number): number {
  return Math.ceil(Math.max(0, toMs - fromMs) / 1000);
}

/**
 * What both provider fakes are: an HTTP server on a random loopback port that logs
 * every request (for contract assertions), refuses every n-th as rate limited, and
 * keeps instances that bill per second and run a real agent process each. A fake
 * supplies its routes and its provider's error answers.
 */
export abstract class ProviderFake<T extends BilledInstance & { node: InstanceNode }> {
  /** Every request the fake saw. */
  readonly requests: LoggedRequest[] = [];
  /** Requests refused as rate limited so far. */
  rateLimited = 0;
  /** The port it listens on (after start()). */
  port = 0;
  /** Creation answers cut so far (the instance was made, its answer lost). */
  lostCreates = 0;
  /** Creation answers still to cut. */
  protected toLose = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #count = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      void this.#handle(req, res).catch(() => {
        if (!res.headersSent) this.crashed(res);
      });
    });
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
  }

  /** Every instance ever created, gone or not. */
  protected abstract all(): Iterable<T>;
  /** $/h an instance bills. */
  protected abstract perHour(instance: T): number;
  /** Answer every n-th request with {@link ProviderFake.tooMany} (0: never). */
  protected abstract rateLimitEvery(): number;
  /** The provider's rate-limit answer. */
  protected abstract tooMany(res: ServerResponse): void;
  /** The provider's answer when the fake itself failed. */
  protected abstract crashed(res: ServerResponse): void;
  /** Answer one logged request. */
  protected abstract route(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): void;

  /** Listen on a random loopback port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  /** Instances not yet gone. */
  live(): T[] {
    const now = Date.now();
    return [...this.all()].filter((i) => i.goneAtMs === null || i.goneAtMs > now);
  }

  /** The fake's own bill, $: per second from creation to the end of deletion. */
  bill(): number {
    const now = Date.now();
    let total = 0;
    for (const i of this.all()) total += (billedSeconds(i.createdAtMs, Math.min(i.goneAtMs ?? now, now)) * this.perHour(i)) / 3600;
    return total;
  }

  /** Stop serving and kill every node process. */
  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
    await Promise.all([...this.all()].map((i) => i.node.stop()));
  }

  /** Cut this creation's answer (after the instance was made) if one is still to be lost; true when cut. */
  protected loseAnswer(req: IncomingMessage): boolean {
    if (this.toLose <= 0) return false;
    this.toLose--;
    this.lostCreates++;
    req.socket.destroy();
    return true;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readBody(req);
    this.requests.push({ method: req.method ?? '', path: url.pathname + url.search, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
    this.#count++;
    const every = this.rateLimitEvery();
    if (every > 0 && this.#count % every === 0) {
      this.rateLimited++;
      return this.tooMany(res);
    }
    this.route(req, res, url, body);
  }
}

/** An instance as billing sees it: created, and gone (deleted and no longer listed) or not yet. */
export interface BilledInstance {
  createdAtMs: number;
  goneAtMs: number | null;
}
