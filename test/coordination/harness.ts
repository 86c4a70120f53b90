/**
 * Real parts for group tests: the protocol-v1 marketplace written apart from the
 * package (test/support/spec-market.mjs) as its own process, and replicas as separate
 * Node processes running test/coordination/replica-app.mjs on the built package.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { repoRoot } from '../support/packed-app.js';

/** A line-protocol child process. */
export class Replica {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly #waiters: Array<{ test: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(
    readonly id: string,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      this.lines.push(msg);
      for (const w of [...this.#waiters]) {
        if (w.test(msg)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(msg);
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  send(msg: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(msg)}\n`);
  }

  /** The next message of `type` (and matching `test`), or a rejection after `timeoutMs`. */
  next(type: string, timeoutMs = 30_000, test: (m: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replica ${this.id}: no ${type} within ${timeoutMs} ms\n${this.stderr}`)), timeoutMs);
      this.#waiters.push({
        test: (m) => m.type === type && test(m),
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  async metrics(): Promise<{ coordination: Coordination; budget: { committed: number; spent: number } }> {
    const answer = this.next('metrics', 10_000);
    this.send({ cmd: 'metrics' });
    return (await answer) as unknown as { coordination: Coordination; budget: { committed: number; spent: number } };
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** `metrics().coordination` as the tests read it. */
export interface Coordination {
  group: string;
  replicaId: string;
  degraded: boolean;
  degradedSince: number | null;
  workloads: Record<string, { leaderReplicaId: string | null; isLeader: boolean; epoch: number; slotShare: Record<string, number> }>;
  ledger: { bornAt: number; rebuilt?: { at: number; by: string; leases: number; spent: number; spentFromMarket: number; spentKnownByReplica: number } } | null;
}

/**
 * Start one replica process: replica-app.mjs on the build, or `script` (a copy of it
 * in an app that installed the packed tarball; `env.PKG` then names the package).
 */
export function startReplica(id: string, env: Record<string, string>, script = join(repoRoot, 'test', 'coordination', 'replica-app.mjs')): Replica {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PKG: join(repoRoot, 'dist', 'index.js'), REPLICA_ID: id, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Replica(id, child);
}

/** The independent protocol-v1 marketplace as its own process. */
export interface SpecMarket {
  url: string;
  bill(): Promise<{ total: number; live: number; leases: number; peakLive: number; servedFrom: Record<string, string[]> }>;
  stop(): void;
}

export async function startSpecMarket(): Promise<SpecMarket> {
  const child = spawn(process.execPath, [join(repoRoot, 'test', 'support', 'spec-market.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => createInterface({ input: child.stdout! }).once('line', (l) => resolve(Number(l))));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    bill: async () => (await (await fetch(`${url}/bill`)).json()) as Awaited<ReturnType<SpecMarket['bill']>>,
    stop: () => void child.kill('SIGKILL'),
  };
}

/** Poll `check` every 100 ms until it returns a value, or throw after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
