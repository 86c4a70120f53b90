/**
 * The one connection a replica keeps to its group's Redis. The client (ioredis) is
 * loaded by dynamic import here and nowhere else, so an app without `coordination`
 * never loads it. Commands fail fast instead of queueing while Redis is away (no
 * offline queue, a command timeout): a replica must learn at once that it cannot
 * reach the group, keep serving within what it knows, and rent nothing new.
 */
import { ComputeError } from '../errors.js';

/** A Lua script run by EVALSHA (loaded by EVAL on a NOSCRIPT answer, e.g. after a restart). */
export interface LuaScript {
  /** Command name the script is registered under on the client. */
  readonly name: string;
  readonly lua: string;
}

/** Options of {@link connectRedis}. */
export interface RedisConnectOptions {
  /** Per-command timeout, ms: a paused or partitioned Redis must not stall a tick. @default 1000 */
  commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts, ms. @default 1000 */
  maxReconnectDelayMs?: number;
  /** Called when the connection comes up or goes down. */
  onState?(up: boolean): void;
}

/** What the coordination code needs from Redis. Every method rejects with `COORDINATION_UNAVAILABLE` on failure. */
export interface RedisConnection {
  /** Run a registered Lua script. */
  eval<T = unknown>(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<T>;
  /** Run one plain command. */
  command<T = unknown>(name: string, ...args: Array<string | number>): Promise<T>;
  /** Commands sent so far (a pipeline counts each of its commands). */
  readonly ops: number;
  /** Whether the connection is ready now. */
  readonly up: boolean;
  /** Close the connection; later calls reject. */
  close(): Promise<void>;
}

/** Minimal shape of the ioredis client we use (its own types stay out of our declarations). */
interface IoRedisClient {
  status: string;
  defineCommand(name: string, definition: { lua: string }): void;
  call(name: string, ...args: Array<string | number>): Promise<unknown>;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  [command: string]: unknown;
}

/**
 * Open a connection to `url` (`redis://[:password@]host:port[/db]`). Resolves even when
 * Redis cannot be reached yet: the client keeps reconnecting in the background and
 * {@link RedisConnection.up} says whether it is there. The URL (it may hold a
 * password) never appears in an error.
 */
export async function connectRedis(url: string, options: RedisConnectOptions = {}): Promise<RedisConnection> {
  const { Redis } = (await import('ioredis')) as unknown as { Redis: new (url: string, options: Record<string, unknown>) => IoRedisClient };
  const maxDelay = options.maxReconnectDelayMs ?? 1000;
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: 2000,
    // Keep trying for as long as the replica runs: Redis coming back is normal.
    retryStrategy: (times: number) => Math.min(50 * times, maxDelay),
    // The group must see a failover, not a transparent reconnect to a replica.
    autoResubscribe: false,
  });
  return new IoRedisConnection(client, options.onState);
}

class IoRedisConnection implements RedisConnection {
  #ops = 0;
  #up = false;
  #closed = false;
  readonly #defined = new Set<string>();

  constructor(
    private readonly client: IoRedisClient,
    private readonly onState: ((up: boolean) => void) | undefined,
  ) {
    client.on('ready', () => this.#setUp(true));
    client.on('close', () => this.#setUp(false));
    client.on('end', () => this.#setUp(false));
    // Without a listener ioredis prints every connection error; the replica reports state instead.
    client.on('error', () => undefined);
    client.connect().catch(() => undefined);
  }

  get ops(): number {
    return this.#ops;
  }

  get up(): boolean {
    return this.#up && this.client.status === 'ready';
  }

  #setUp(up: boolean): void {
    if (this.#up === up) return;
    this.#up = up;
    this.onState?.(up);
  }

  async eval<T>(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<T> {
    if (!this.#defined.has(script.name)) {
      this.client.defineCommand(script.name, { lua: script.lua });
      this.#defined.add(script.name);
    }
    const run = this.client[script.name] as (...a: Array<string | number>) => Promise<T>;
    return this.#count(() => run.call(this.client, keys.length, ...keys, ...args));
  }

  async command<T>(name: string, ...args: Array<string | number>): Promise<T> {
    return this.#count(() => this.client.call(name, ...args) as Promise<T>);
  }

  async #count<T>(send: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new ComputeError('COORDINATION_UNAVAILABLE', 'the Redis connection is closed', { retryable: false });
    this.#ops++;
    try {
      return await send();
    } catch (error) {
      throw toComputeError(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // fall through to a hard close
      }
    }
    this.client.disconnect();
  }
}

/** Client errors say which command failed and why; Redis errors from a script say what the script refused. */
function toComputeError(error: unknown): ComputeError {
  const message = error instanceof Error ? error.message : String(error);
  // ioredis messages carry neither the URL nor the password; keep only the first line anyway.
  return new ComputeError('COORDINATION_UNAVAILABLE', `Redis: ${message.split('\n')[0]}`, { retryable: true });
}

/**
 * A connection that exists before Redis is reached: calls reject with
 * `COORDINATION_UNAVAILABLE` until {@link DeferredRedis.attach} gives it the real one.
 * The runtime is created synchronously; the client loads and connects in the background.
 */
export class DeferredRedis implements RedisConnection {
  #inner: RedisConnection | undefined;
  #closed = false;

  /** Use `inner` from now on (closed at once if this was closed meanwhile). */
  attach(inner: RedisConnection): void {
    if (this.#closed) void inner.close();
    else this.#inner = inner;
  }

  eval<T = unknown>(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<T> {
    return this.#inner ? this.#inner.eval<T>(script, keys, args) : Promise.reject(notYet());
  }

  command<T = unknown>(name: string, ...args: Array<string | number>): Promise<T> {
    return this.#inner ? this.#inner.command<T>(name, ...args) : Promise.reject(notYet());
  }

  get ops(): number {
    return this.#inner?.ops ?? 0;
  }

  get up(): boolean {
    return this.#inner?.up ?? false;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#inner?.close();
  }
}

function notYet(): ComputeError {
  return new ComputeError('COORDINATION_UNAVAILABLE', 'Redis is not connected yet', { retryable: true });
}
