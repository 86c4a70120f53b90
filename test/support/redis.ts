/**
 * Real `redis-server` processes for coordination tests: each on a random loopback
 * port, without persistence (`--save '' --appendonly no`), so that a restart comes
 * back empty as a cache-only Redis does. Tests can kill -9 it, restart it on the same
 * port, or pause it. Where the binary is missing, {@link describeRedis} skips the
 * suite and says how to install it, so `npm test` still passes on such a machine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { describe } from 'vitest';

/** Why coordination tests are skipped, or undefined when `redis-server` is here. */
export const redisMissing: string | undefined = findRedis()
  ? undefined
  : 'redis-server not found on PATH: coordination tests skipped (install it with `apt-get install redis-server`)';

if (redisMissing) console.warn(`[adaptive-compute tests] ${redisMissing}`);

/** `describe` that skips, with the reason in its title, when `redis-server` is missing. */
export const describeRedis = (name: string, body: () => void): void => {
  if (redisMissing) describe.skip(`${name} [${redisMissing}]`, body);
  else describe(name, body);
};

function findRedis(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Send one inline command and read one reply line (enough for PING / DBSIZE). */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on ${port}: no answer to ${command}`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(data.split('\r\n')[0]!);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** One redis-server process the test owns. */
export class RedisProcess {
  #child: ChildProcess | undefined;
  #paused = false;

  private constructor(readonly port: number) {}

  /** Start a server on a random loopback port and wait until it answers PING. */
  static async start(): Promise<RedisProcess> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = new RedisProcess(await freePort());
      try {
        await server.#spawn();
        return server;
      } catch (error) {
        lastError = error;
        server.kill9();
      }
    }
    throw lastError;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async #spawn(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.#child = child;
    const deadline = Date.now() + 5000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with ${child.exitCode}`);
      try {
        if ((await rawCommand(this.port, 'PING', 300)) === '+PONG') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer PING`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** SIGKILL: no goodbye to clients, nothing saved. */
  kill9(): void {
    if (this.#paused) this.resume();
    this.#child?.kill('SIGKILL');
  }

  /** kill -9, then start a new, empty server on the same port. */
  async restartEmpty(): Promise<void> {
    const child = this.#child;
    this.kill9();
    if (child && child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    await this.#spawn();
  }

  /** Start again on the same port after {@link kill9}. */
  async startAgain(): Promise<void> {
    await this.#spawn();
  }

  /** SIGSTOP: the server holds its connections but answers nothing. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
    this.#paused = true;
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    this.#child?.kill('SIGCONT');
    this.#paused = false;
  }

  /** Stop the server and wait for the process to end. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    this.kill9();
    await exited;
  }
}
