/**
 * Who owns a journal, decided in one atomic step: a lock file beside it, created with
 * O_EXCL (`wx`), holding the owner's pid. Two processes started at the same moment
 * cannot both create it, so they never get the same client id (reading the journal
 * and then writing it, in two steps, let both through). A lock whose pid is dead is
 * stale: it is taken over under a second, short-lived O_EXCL lock, so that two
 * processes recovering at once do not both take it.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { realClock } from '../clock.js';

/** Lock files held by live Compute instances of THIS process (a pid cannot tell them apart). */
const heldHere = new Set<string>();

/** A lock younger than this with no pid written yet is being created right now: not stale. */
const FRESH_MS = 5_000;

/** Whether another process with this pid is alive on this host (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file of a journal. */
export function lockPathOf(journalPath: string): string {
  return `${journalPath}.lock`;
}

/**
 * Take the lock for this process. Returns false when a live owner (another process,
 * or another instance in this one) holds it. Never throws for an ownership question;
 * an unwritable directory throws (the caller reports it).
 */
export function claimLock(lockPath: string): boolean {
  if (heldHere.has(lockPath)) return false;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(lockPath)) {
      heldHere.add(lockPath);
      return true;
    }
    const owner = readOwner(lockPath);
    if (owner === 'gone') continue;
    if (owner === 'fresh') return false;
    if (processAlive(owner)) return false;
    // Our own pid in a lock we do not hold: an earlier process that had our pid died.
    if (!takeOverStale(lockPath, owner)) return false;
  }
  return false;
}

/** Let go of the lock (only if this process holds it). */
export function releaseLock(lockPath: string): void {
  if (!heldHere.delete(lockPath)) return;
  try {
    if (readOwner(lockPath) === process.pid) unlinkSync(lockPath);
  } catch {
    // Already gone.
  }
}

function createExclusive(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, String(process.pid));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The pid in the lock; `'fresh'` while it is being written; `'gone'` when there is no lock any more. */
function readOwner(path: string): number | 'fresh' | 'gone' {
  let text: string;
  let age: number;
  try {
    text = readFileSync(path, 'utf8');
    // A file's mtime is wall-clock time, so its age is read against the wall clock, never an injected one.
    age = realClock.now() - statSync(path).mtimeMs;
  } catch {
    return 'gone';
  }
  const pid = Number(text.trim());
  if (text.trim() !== '' && Number.isInteger(pid) && pid > 0) return pid;
  // Empty or garbled: being written right now, or left half-written by a crash long ago.
  return age < FRESH_MS ? 'fresh' : -1;
}

/** Remove a stale lock of dead `owner`, under a takeover lock. False when someone else is taking it over. */
function takeOverStale(lockPath: string, owner: number): boolean {
  const takeover = `${lockPath}.takeover`;
  if (!createExclusive(takeover)) {
    // Someone is taking it over now; a takeover left by a crash is cleared once old.
    const other = readOwner(takeover);
    if (other !== 'fresh' && other !== 'gone' && !processAlive(other)) unlinkQuietly(takeover);
    return false;
  }
  try {
    // Re-read under the takeover lock: it may have been taken over and re-created meanwhile.
    if (readOwner(lockPath) === owner) unlinkQuietly(lockPath);
    return true;
  } finally {
    unlinkQuietly(takeover);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
