/**
 * Decides which journal file and client id this process uses, and takes over what
 * every earlier (dead) process of the same client on this host left behind.
 *
 * Ownership is claimed atomically through a lock file (journal-lock.ts), so two
 * processes started at the same moment from one folder never get the same client id.
 * With the default (derived) id, a process that finds the id taken uses
 * `<id>-<pid>`; a later start then recovers every such journal whose owner is dead,
 * not only the one named after the bare id. A journal whose owner is alive is never
 * taken. A corrupt journal is set aside (renamed), reported, and what can still be
 * read from it (lease ids, keys, client id) is recovered all the same.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ComputeError } from '../errors.js';
import { LeaseJournal, readJournal, type JournalFile } from './journal.js';
import { claimLock, lockPathOf, processAlive, releaseLock } from './journal-lock.js';

/** The journal this process writes, and what earlier processes left. */
export interface OpenedJournal {
  clientId: string;
  journal: LeaseJournal | undefined;
  /** One entry per journal of a dead process taken over (its own id's, and every `<id>-<pid>` one). */
  previous: JournalFile[];
  /** What to report as warnings once listeners are attached (a corrupt journal set aside). */
  problems: ComputeError[];
}

/** Default journal path for a client id. */
export function defaultJournalPath(clientId: string): string {
  return join(tmpdir(), 'adaptive-compute', `journal-${clientId}.json`);
}

/** Key prefix of an entry carried over whose lease id was never known (its creation was in flight). */
export const IN_FLIGHT_PREFIX = 'in-flight:';

/**
 * Open the journal for `clientId`. With the default (derived) id, a journal held by
 * a live process makes this process pick its own id instead; with an explicit id or
 * path it is a configuration error.
 */
export function openJournal(
  option: false | string | { path: string } | undefined,
  clientId: string,
  explicitClientId: boolean,
  market: string,
): OpenedJournal {
  if (option === false) return { clientId, journal: undefined, previous: [], problems: [] };
  const explicitPath = typeof option === 'string' ? option : option?.path;
  const derived = explicitPath === undefined && !explicitClientId;
  let id = clientId;
  let path = explicitPath ?? defaultJournalPath(id);
  if (!claim(path)) {
    if (!derived) {
      throw new ComputeError('CONFIG_INVALID', `journal: ${path} belongs to a running process; give each process its own clientId and journal`, {
        details: { path: 'journal' },
      });
    }
    // Another live holder (a process, or an instance in this process): take a fresh id.
    for (let n = 1; ; n++) {
      id = `${clientId}-${process.pid}${n > 1 ? `-${n}` : ''}`;
      path = defaultJournalPath(id);
      if (claim(path)) break;
      if (n >= 64) throw new ComputeError('CONFIG_INVALID', `journal: no free journal for client ${clientId} in ${dirname(path)}`);
    }
  }
  const previous: JournalFile[] = [];
  const problems: ComputeError[] = [];
  // What a dead owner of this very file left (we hold its lock now).
  takeOver(path, previous, problems);
  // Every other journal of the same derived client whose owner is dead: `<id>-<pid>[-n]`.
  // Lease ids only mean something to the marketplace that issued them: a journal
  // written against another marketplace is left for a run against that one.
  if (derived) {
    for (const sibling of siblings(clientId)) {
      if (sibling === path) continue;
      const seen = readJournal(sibling).file;
      if (seen !== undefined && seen.market !== '' && seen.market !== market) continue;
      if (!claim(sibling)) continue;
      takeOver(sibling, previous, problems);
      rmSync(sibling, { force: true });
      releaseLock(lockPathOf(sibling));
    }
  }
  const journal = new LeaseJournal(path, id, market);
  // Carry the dead owners' leases over until they are confirmed released: a crash
  // during recovery must not forget them.
  for (const file of previous) {
    for (const entry of file.leases) {
      if (entry.leaseId) journal.record({ ...entry, key: `orphan:${entry.leaseId}` });
      else if (!entry.key.startsWith('salvaged:')) journal.record({ ...entry, key: `${IN_FLIGHT_PREFIX}${entry.key.replace(IN_FLIGHT_PREFIX, '')}` });
    }
  }
  journal.flush();
  return { clientId: id, journal, previous, problems };
}

/**
 * Take the lock of `path` for this process. A journal written by an older version
 * (no lock file) whose recorded owner is alive is not taken either.
 */
function claim(path: string): boolean {
  const lock = lockPathOf(path);
  if (!claimLock(lock)) return false;
  const { file } = readJournal(path);
  if (file !== undefined && processAlive(file.pid)) {
    releaseLock(lock);
    return false;
  }
  return true;
}

/** Read what the dead owner of `path` left into `previous`; a corrupt file is renamed aside and reported. */
function takeOver(path: string, previous: JournalFile[], problems: ComputeError[]): void {
  const { file, corrupt } = readJournal(path);
  if (corrupt) {
    const aside = `${path}.corrupt-${randomUUID().slice(0, 8)}`;
    let where = aside;
    try {
      renameSync(path, aside);
    } catch {
      where = path;
    }
    const read = file ? `${file.leases.filter((e) => e.leaseId).length} lease id(s) and ${file.leases.length} entr(ies) read from it are recovered` : 'nothing could be read from it';
    problems.push(
      new ComputeError('CONFIG_INVALID', `journal: ${path} is corrupt; kept as ${where}; ${read}`, {
        retryable: false,
        details: { journal: path, keptAs: where, leaseIds: file?.leases.map((e) => e.leaseId).filter(Boolean) ?? [] },
      }),
    );
  }
  // Every lease is recorded before it is requested: a journal with none left nothing
  // to recover (no tag lookup needed). A salvaged one cannot be trusted that far.
  if (file !== undefined && (file.leases.length > 0 || (corrupt && file.clientId !== ''))) previous.push(file);
}

/** Journal files of `<clientId>-<pid>` and `<clientId>-<pid>-<n>` in the default folder. */
function siblings(clientId: string): string[] {
  const folder = dirname(defaultJournalPath(clientId));
  const prefix = basename(defaultJournalPath(clientId)).replace(/\.json$/, '');
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}-\\d+(-\\d+)?\\.json$`);
  try {
    return readdirSync(folder)
      .filter((name) => pattern.test(name))
      .map((name) => join(folder, name));
  } catch {
    return [];
  }
}
