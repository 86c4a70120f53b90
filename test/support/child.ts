/**
 * Runs a Node.js child process to completion for tests: collects its output, and
 * kills it (failing the test) if it does not exit in time — a process that does not
 * exit on its own is a bug we want to see (a timer or socket kept it alive).
 */
import { spawn } from 'node:child_process';

/** How a child process ended. */
export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
  /** Wall time from spawn to exit, ms. */
  ms: number;
}

/** Run `node <args>`; rejects if it is still running after `timeoutMs`. */
export function runNode(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.env ? { env: options.env } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not exit within ${options.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, pid: child.pid ?? -1, ms: Date.now() - started });
    });
  });
}
