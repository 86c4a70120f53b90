/**
 * No orphan agents: an agent exits when its marketplace does, however that ends.
 * Two signals, either is enough: the IPC channel to the parent closes (fires even
 * after `kill -9` of the parent, the kernel closes the socket), and, as a backstop
 * for agents started without IPC, a poll that the parent pid still exists and is
 * still our parent (after the parent dies we are re-parented, `process.ppid` changes).
 */
import { realClock } from '../../clock.js';
import type { Clock, Timer } from '../../clock.js';

/** Stop watching. */
export type Unwatch = () => void;

/**
 * Call `onGone` once when the parent is gone.
 * @param parentPid pid to poll; undefined polls nothing (IPC only).
 * @param everyMs poll interval. @default 500
 */
export function watchParent(parentPid: number | undefined, onGone: (why: string) => void, clock: Clock = realClock, everyMs = 500): Unwatch {
  let done = false;
  let timer: Timer | undefined;
  const gone = (why: string): void => {
    if (done) return;
    done = true;
    timer?.cancel();
    process.off('disconnect', onDisconnect);
    onGone(why);
  };
  const onDisconnect = (): void => gone('the marketplace closed the IPC channel');
  if (process.channel !== undefined) process.on('disconnect', onDisconnect);
  // Re-parenting is only a sign when the watched pid was our real parent to begin with.
  const direct = parentPid !== undefined && process.ppid === parentPid;
  const poll = (): void => {
    if (done || parentPid === undefined) return;
    if (!alive(parentPid) || (direct && process.ppid !== parentPid)) return gone(`parent process ${parentPid} is gone`);
    timer = clock.setTimeout(poll, everyMs);
  };
  poll();
  return () => {
    done = true;
    timer?.cancel();
    process.off('disconnect', onDisconnect);
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: gone. EPERM: the pid was recycled by another user's process; ours is gone too.
    return false;
  }
}
