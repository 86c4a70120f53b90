/**
 * Decides which journal file and client id this process uses, and takes over what
 * an earlier (dead) process left in it. A journal whose owner is still alive is
 * never taken: two live processes must not release each other's leases.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeError } from '../errors.js';
import { LeaseJournal, readJournal, type JournalFile } from './journal.js';

/** The journal this process writes, and what an earlier process left. */
export interface OpenedJournal {
  clientId: string;
  journal: LeaseJournal | undefined;
  previous: JournalFile | undefined;
}

/** Default journal path for a client id. */
export function defaultJournalPath(clientId: string): string {
  return join(tmpdir(), 'adaptive-compute', `journal-${clientId}.json`);
}

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
  if (option === false) return { clientId, journal: undefined, previous: undefined };
  const explicitPath = typeof option === 'string' ? option : option?.path;
  let id = clientId;
  let path = explicitPath ?? defaultJournalPath(id);
  let found = readJournal(path);
  if (found.ownerAlive) {
    if (explicitPath !== undefined || explicitClientId) {
      throw new ComputeError(
        'CONFIG_INVALID',
        `journal: ${path} belongs to the running process ${found.file?.pid}; give each process its own clientId and journal`,
      );
    }
    // Another live holder (a process, or an instance in this process): take a fresh id.
    for (let n = 1; found.ownerAlive; n++) {
      id = `${clientId}-${process.pid}${n > 1 ? `-${n}` : ''}`;
      path = defaultJournalPath(id);
      found = readJournal(path);
    }
  }
  const journal = new LeaseJournal(path, id, market);
  // Carry the dead owner's leases over until they are confirmed released: a crash
  // during recovery must not forget them.
  for (const entry of found.file?.leases ?? []) {
    if (entry.leaseId) journal.record({ ...entry, key: `orphan:${entry.leaseId}` });
  }
  journal.flush();
  return { clientId: id, journal, previous: found.file };
}
