/**
 * Starts a real `adaptive-compute agent` process the way a provider starts a
 * container: no flags, everything in env (the provider fakes do this per instance).
 * PORT 0 and loopback here stand in for the container port a provider maps.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A running agent process. */
export interface AgentProcess {
  readonly child: ChildProcess;
  /** Port it listens on. */
  readonly port: number;
  /** `http` or `https`, as it reported. */
  readonly scheme: string;
  /** SIGKILL and wait for the exit. */
  stop(): Promise<void>;
}

/** Spawn `node <cliPath> agent` (plus `args`) with `env`; resolve once it listens. @param cliPath default: this repository's dist/cli.js */
export function spawnAgent(env: Record<string, string>, args: readonly string[] = [], timeoutMs = 20_000, cliPath = cli): Promise<AgentProcess> {
  const child = spawn(process.execPath, [cliPath, 'agent', ...args], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ADAPTIVE_COMPUTE_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`agent did not listen within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (https?):\/\/[^:]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[2]), scheme: match[1]!, stop });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`agent exited (${String(child.exitCode)}): ${err}`));
    });
  });
}
