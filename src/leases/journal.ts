/**
 * The lease journal: a small JSON file that says which leases this process has
 * asked for, written (atomically: temp file + rename) BEFORE each lease request and
 * after each release. After a crash, the next start reads it and gives back every
 * lease the dead process held, even on a marketplace that cannot list by tag.
 *
 * The file also records the owner's pid: a second live process pointed at the same
 * journal must not release the first one's leases.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ComputeError } from '../errors.js';

/** One lease as the journal remembers it. Never holds a node token. */
export interface JournalEntry {
  /** Local key (also the lease's `node` tag). */
  key: string;
  workload: string;
  /** Marketplace lease id; null while the creation request is in flight. */
  leaseId: string | null;
  idempotencyKey: string;
  /** Clock ms of the request. */
  requestedAt: number;
}

const JournalFileSchema = z.object({
  version: z.literal(1),
  clientId: z.string(),
  pid: z.number().int(),
  market: z.string(),
  leases: z.array(
    z.object({
      key: z.string(),
      workload: z.string(),
      leaseId: z.string().nullable(),
      idempotencyKey: z.string(),
      requestedAt: z.number(),
    }),
  ),
});

/** What a journal file held when it was opened. */
export type JournalFile = z.infer<typeof JournalFileSchema>;

// Journal files held by live Compute instances of THIS process: the pid check cannot
// tell two instances in one process apart, and they must not take each other's file.
const heldInThisProcess = new Set<string>();

/** Whether another process with this pid is alive on this host (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a journal left by an earlier process, if any. Corrupt files are reported, not trusted. */
export function readJournal(path: string): { file: JournalFile | undefined; ownerAlive: boolean; corrupt: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { file: undefined, ownerAlive: heldInThisProcess.has(path), corrupt: false };
  }
  try {
    const file = JournalFileSchema.parse(JSON.parse(text));
    return { file, ownerAlive: heldInThisProcess.has(path) || processAlive(file.pid), corrupt: false };
  } catch {
    return { file: undefined, ownerAlive: false, corrupt: true };
  }
}

/** The live journal of this process. */
export class LeaseJournal {
  private readonly entries = new Map<string, JournalEntry>();

  constructor(
    /** File path. */
    readonly path: string,
    private readonly clientId: string,
    private readonly market: string,
  ) {
    heldInThisProcess.add(path);
  }

  /** Record (or update) a lease. Synchronous and atomic: the request waits for it on purpose. */
  record(entry: JournalEntry): void {
    this.entries.set(entry.key, { ...entry });
    this.flush();
  }

  /** The lease is given back (or never existed): forget it. */
  forget(key: string): void {
    if (this.entries.delete(key)) this.flush();
  }

  /** Entries now held. */
  held(): JournalEntry[] {
    return [...this.entries.values()];
  }

  /** Write the file as it stands (claims the journal for this pid). */
  flush(): void {
    const file: JournalFile = { version: 1, clientId: this.clientId, pid: process.pid, market: this.market, leases: this.held() };
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(tmp, JSON.stringify(file));
      renameSync(tmp, this.path);
    } catch (error) {
      throw new ComputeError('CONFIG_INVALID', `journal: cannot write ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Let go of the file; delete it when nothing is held (a clean shutdown). */
  close(): void {
    heldInThisProcess.delete(this.path);
    if (this.entries.size === 0) rmSync(this.path, { force: true });
  }
}
