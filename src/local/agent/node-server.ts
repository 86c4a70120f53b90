/**
 * A node protocol server (`GET /healthz`, `POST /v1/run` with a Bearer node token),
 * shared by the `adaptive-compute agent` process and the `testing` fake's
 * in-process nodes. It runs at most `slots` tasks at once; extra requests wait in
 * arrival order, like a GPU that serves one batch per slot.
 */
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Clock } from '../../clock.js';
import { RunRequestSchema } from '../../market/protocol.js';
import { bearerToken, destroyServer, listenOn, readJsonBody, sameSecret, sendError, sendJson } from '../market/http-util.js';

/** What a task handler gets besides the input. */
export interface NodeTaskContext {
  /** Lease whose node runs the task. */
  leaseId: string;
  /** `taskId` the client sent (for de-duplication tests). */
  taskId: string;
  /** `workload` the client sent. */
  workload: string;
  /** Aborted when the client disconnects or the node is killed, preempted or released. */
  signal: AbortSignal;
  /** The node's clock: sleep on it so virtual-time tests work. */
  clock: Clock;
}

/** Computes a task's output; a throw answers 500 with the error's message. */
export type NodeTaskHandler = (input: unknown, ctx: NodeTaskContext) => Promise<unknown>;

/** What an extra route gets besides the request. */
export interface NodeRouteContext {
  /** Aborted when the client disconnects or the node is killed. */
  signal: AbortSignal;
  /** The node's clock: sleep on it so virtual-time tests work. */
  clock: Clock;
  /** Lease whose node serves the request. */
  leaseId: string;
  /** The `x-task-id` header the SDK sends on raw targets, when present. */
  taskId: string | undefined;
}

/**
 * An HTTP route a node serves besides the node protocol (e.g. an emulated
 * OpenAI-compatible endpoint). The server checks the node token and readiness,
 * parses a JSON body (POST, PUT, PATCH) and, when {@link NodeRoute.usesSlot},
 * holds one of the node's slots while {@link NodeRoute.serve} runs, so raw requests
 * and `/v1/run` tasks share the emulated GPU.
 */
export interface NodeRoute {
  method: string;
  path: string;
  /** Hold a slot while serving. @default true */
  usesSlot?: boolean;
  /** Answer the request; `body` is undefined for methods without one. A throw answers 500. */
  serve(body: unknown, res: ServerResponse, ctx: NodeRouteContext): Promise<void>;
}

/** Options of {@link NodeServer}. */
export interface NodeServerOptions {
  /** Lease the node belongs to. */
  leaseId: string;
  /** Token `POST /v1/run` must carry as `Authorization: Bearer`. */
  token: string;
  /** Tasks run at once. */
  slots: number;
  /** Computes outputs. */
  handler: NodeTaskHandler;
  /** Time source handed to the handler. */
  clock: Clock;
  /** Extra routes (the agent's emulated OpenAI-compatible endpoint). @default none */
  routes?: readonly NodeRoute[];
  /** Serve https with this key and certificate (PEM) instead of plain http. */
  tls?: { key: string; cert: string } | undefined;
}

/** Load of one node. */
export interface NodeServerStats {
  /** Tasks being computed now. */
  running: number;
  /** Tasks waiting for a free slot. */
  queued: number;
  /** Tasks finished since the node started (with an output or an error). */
  served: number;
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
}

/** One node server. Its owner starts it, marks it ready and kills it. */
export class NodeServer {
  /** Whether the node accepts tasks (the lease is running). */
  ready = false;
  private readonly server: Server;
  private readonly options: NodeServerOptions;
  private readonly waiting: Waiter[] = [];
  private readonly inFlight = new Set<AbortController>();
  private active = 0;
  private served = 0;
  private port = 0;
  private killed = false;

  constructor(options: NodeServerOptions) {
    this.options = options;
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch(() => sendError(res, 500, 'INTERNAL', 'node failed'));
    };
    // https.Server has the http.Server surface we use (listen, close, closeAllConnections).
    this.server = options.tls ? (createTlsServer(options.tls, listener) as unknown as Server) : createServer(listener);
  }

  /** `http://127.0.0.1:<port>` once started. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Tasks running, tasks waiting for a slot, tasks finished (successfully or not). */
  get stats(): NodeServerStats {
    return { running: this.inFlight.size, queued: this.waiting.length, served: this.served };
  }

  /** Port bound (0 before {@link NodeServer.start}). */
  get boundPort(): number {
    return this.port;
  }

  /** Listen; by default on a free loopback port. */
  async start(host = '127.0.0.1', port = 0): Promise<void> {
    this.port = await listenOn(this.server, host, port);
  }

  /** Stop at once, like a dead machine: in-flight and queued requests lose their connections. */
  async kill(): Promise<void> {
    this.killed = true;
    this.ready = false;
    for (const controller of this.inFlight) controller.abort();
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('node killed'));
    await destroyServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      sendJson(res, this.ready ? 200 : 503, { ready: this.ready });
      return;
    }
    const route = this.options.routes?.find((r) => r.path === path && r.method === req.method);
    if (route !== undefined) return this.serveRoute(route, req, res);
    if (path !== '/v1/run') return sendError(res, 404, 'NOT_FOUND', `no route ${req.method ?? ''} ${path ?? ''}`);
    if (req.method !== 'POST') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'use POST');
    if (!sameSecret(bearerToken(req), this.options.token)) {
      return sendError(res, 401, 'UNAUTHORIZED', 'missing or wrong node token');
    }
    if (!this.ready) return sendError(res, 503, 'NOT_READY', 'node is not running');
    const body = await readJsonBody(req);
    if (!body.ok) return sendError(res, 400, 'INVALID_REQUEST', body.message);
    const run = RunRequestSchema.safeParse(body.value);
    if (!run.success) {
      const paths = run.error.issues.map((i) => i.path.join('.') || '(body)').join(', ');
      return sendError(res, 400, 'INVALID_REQUEST', `invalid run request at ${paths}`);
    }
    const controller = new AbortController();
    // 'close' on the response fires on completion too; by then aborting is harmless.
    res.on('close', () => controller.abort());
    try {
      await this.acquire(controller.signal);
    } catch {
      return;
    }
    this.inFlight.add(controller);
    try {
      const output = await this.options.handler(run.data.input, {
        leaseId: this.options.leaseId,
        taskId: run.data.taskId,
        workload: run.data.workload,
        signal: controller.signal,
        clock: this.options.clock,
      });
      sendJson(res, 200, { output });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      sendError(res, 500, 'TASK_FAILED', message.slice(0, 200));
    } finally {
      this.inFlight.delete(controller);
      this.served += 1;
      this.release();
    }
  }

  private async serveRoute(route: NodeRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!sameSecret(bearerToken(req), this.options.token)) {
      return sendError(res, 401, 'UNAUTHORIZED', 'missing or wrong node token');
    }
    if (!this.ready) return sendError(res, 503, 'NOT_READY', 'node is not running');
    let body: unknown;
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
      const parsed = await readJsonBody(req);
      if (!parsed.ok) return sendError(res, 400, 'INVALID_REQUEST', parsed.message);
      body = parsed.value;
    }
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const usesSlot = route.usesSlot ?? true;
    if (usesSlot) {
      try {
        await this.acquire(controller.signal);
      } catch {
        return;
      }
    }
    this.inFlight.add(controller);
    const taskId = req.headers['x-task-id'];
    try {
      await route.serve(body, res, {
        signal: controller.signal,
        clock: this.options.clock,
        leaseId: this.options.leaseId,
        taskId: typeof taskId === 'string' ? taskId : undefined,
      });
    } catch (error) {
      // Once a stream has started the status is sent: all that is left is to cut it.
      if (res.headersSent) res.destroy();
      else sendError(res, 500, 'TASK_FAILED', (error instanceof Error ? error.message : String(error)).slice(0, 200));
    } finally {
      this.inFlight.delete(controller);
      if (usesSlot) {
        this.served += 1;
        this.release();
      }
    }
  }

  private acquire(signal: AbortSignal): Promise<void> {
    if (this.killed) return Promise.reject(new Error('node killed'));
    if (this.active < this.options.slots) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error('client went away'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // Hand the slot straight to the next waiter so a newcomer cannot jump the queue.
    if (next !== undefined) next.resolve();
    else this.active -= 1;
  }
}
