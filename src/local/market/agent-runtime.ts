/**
 * The local marketplace's {@link NodeRuntime}: every lease's node is a real
 * `adaptive-compute agent` child process, spawned when the cold start is over.
 * The node token travels in the environment (not argv, which `ps` shows); the
 * agent reports its port over IPC and exits when that channel closes, so no agent
 * outlives its marketplace. Agents run in their own process group, out of reach of
 * the terminal's Ctrl-C.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Clock } from '../../clock.js';
import { handlerForImage } from '../agent/handler-spec.js';
import { isAgentMessage, NODE_TOKEN_ENV } from '../agent/ipc.js';
import type { NodeHandle, NodeLaunchSpec, NodeRuntime, NodeStop } from './node-runtime.js';

/** Settings of {@link AgentProcessRuntime}. */
export interface AgentRuntimeOptions {
  /** The CLI script (`dist/cli.js`). */
  entry: string;
  /** Tasks each node runs at once. */
  slots: number;
  /** Seed for generated outputs (the same for every node, so a retried task answers the same). */
  seed: number;
  /** Handler for images that name none. */
  defaultHandler: string;
  /** Interface agents listen on. */
  host: string;
  /** Working directory of agents; relative handler paths resolve against it. */
  cwd: string;
  /** Give up on an agent that does not listen within this, ms. */
  bootTimeoutMs: number;
  /** Graceful stop: SIGTERM, then SIGKILL after this, ms. */
  killGraceMs: number;
  /** Let this process exit while agents run (they follow it out). */
  unref: boolean;
  clock: Clock;
}

// What an agent inherits from us: enough to run node, nothing else (no app secrets).
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'SYSTEMROOT', 'USERPROFILE'];

/** Agent child processes, one per lease. */
export class AgentProcessRuntime implements NodeRuntime {
  private readonly live = new Map<string, ChildProcess>();

  constructor(private readonly options: AgentRuntimeOptions) {}

  /** Pids of agents that have not exited, by lease id. */
  pids(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [lease, child] of this.live) if (child.pid !== undefined) out.set(lease, child.pid);
    return out;
  }

  launch(spec: NodeLaunchSpec): NodeHandle {
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let killed = false;
    return {
      launched: Promise.resolve(),
      boot: () => {
        if (killed) return Promise.reject(new Error('lease ended before its node started'));
        child = this.spawnAgent(spec);
        const proc = child;
        exited = new Promise((resolve) => proc.once('exit', () => resolve()));
        this.live.set(spec.leaseId, proc);
        void exited.then(() => this.live.delete(spec.leaseId));
        return this.whenListening(proc, exited);
      },
      kill: async (how: NodeStop) => {
        killed = true;
        if (child === undefined) return;
        await this.stop(child, exited, how);
      },
    };
  }

  private spawnAgent(spec: NodeLaunchSpec): ChildProcess {
    const o = this.options;
    const handler = handlerForImage(spec.request.image, o.defaultHandler, o.cwd);
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    Object.assign(env, spec.request.env ?? {}, { [NODE_TOKEN_ENV]: spec.token });
    const args = [o.entry, 'agent', '--handler', handler, '--slots', String(o.slots), '--seed', String(o.seed)];
    args.push('--lease', spec.leaseId, '--host', o.host, '--port', '0', '--parent-pid', String(process.pid));
    // Detached: a process group of its own, so a Ctrl-C at the terminal (SIGINT to the
    // foreground group) reaches the app, which drains and releases, and not its nodes
    // mid-task. It still ends with the marketplace: the IPC channel closes, --parent-pid.
    const child = spawn(process.execPath, args, { cwd: o.cwd, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], windowsHide: true, detached: true });
    if (o.unref) {
      child.unref();
      child.channel?.unref();
      (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    }
    return child;
  }

  private whenListening(child: ChildProcess, exited: Promise<void>): Promise<string> {
    const { clock, bootTimeoutMs, host } = this.options;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    return new Promise<string>((resolve, reject) => {
      const fail = (why: string): void => {
        timer.cancel();
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        reject(new Error(tail === '' ? why : `${why}: ${tail}`));
      };
      const timer = clock.setTimeout(() => {
        child.kill('SIGKILL');
        fail(`agent did not listen within ${bootTimeoutMs} ms`);
      }, bootTimeoutMs);
      child.on('message', (message: unknown) => {
        if (!isAgentMessage(message)) return;
        if (message.type === 'failed') return fail(`agent failed: ${message.message}`);
        timer.cancel();
        const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
        resolve(`http://${shown}:${message.port}`);
      });
      child.once('error', (error) => fail(`agent could not start: ${error.message}`));
      void exited.then(() => fail(`agent exited with code ${String(child.exitCode ?? child.signalCode)}`));
    });
  }

  private async stop(child: ChildProcess, exited: Promise<void>, how: NodeStop): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    if (how === 'abrupt') {
      child.kill('SIGKILL');
      return exited;
    }
    child.kill('SIGTERM');
    const escalate = this.options.clock.setTimeout(() => child.kill('SIGKILL'), this.options.killGraceMs);
    await exited;
    escalate.cancel();
  }
}
