/**
 * Process helpers for the local marketplace tests: find agent processes by the
 * `--parent-pid` they were started with, and tell whether a pid still runs
 * (a zombie does not count: it has exited, only its parent has not reaped it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Whether `pid` is a live (not zombie) process. */
export function isRunning(pid: number): boolean {
  if (existsSync('/proc')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Command lines of every process, by pid. */
function commandLines(): Map<number, string> {
  const out = new Map<number, string>();
  if (existsSync('/proc')) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        out.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim());
      } catch {
        // exited while we looked
      }
    }
    return out;
  }
  for (const line of execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (match) out.set(Number(match[1]), match[2] ?? '');
  }
  return out;
}

/** Pids of running `adaptive-compute agent` processes started by the marketplace in process `parentPid`. */
export function agentPidsOf(parentPid: number): number[] {
  const pids: number[] = [];
  for (const [pid, args] of commandLines()) {
    if (/\bcli\.js agent\b/.test(args) && args.includes(`--parent-pid ${parentPid}`) && isRunning(pid)) pids.push(pid);
  }
  return pids;
}

/** Poll until `check()` is true or `timeoutMs` passes; resolves with the last value. */
export async function waitUntil(check: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
