/**
 * The lease journal: a small JSON file that says which leases this process has
 * asked for, written (atomically: temp file + rename) BEFORE each lease request and
 * after each release. After a crash, the next start reads it and gives back every
 * lease the dead process held, even on a marketplace that cannot list by tag.
 *
 * The file also records the owner's pid, and a lock file beside it (see
 * journal-lock.ts) says who owns it: a second live process pointed at the same
 * journal must not release the first one's leases.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ComputeError } from '../errors.js';
import { lockPathOf, releaseLock } from './journal-lock.js';

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

export { processAlive } from './journal-lock.js';

/** What a journal file left by an earlier process holds, as far as it can be read. */
export interface JournalRead {
  /** The parsed file; for a corrupt one, what could be salvaged from its text. */
  file: JournalFile | undefined;
  /** The file exists but is not a valid journal. */
  corrupt: boolean;
}

/** Reads a journal file, if any. A corrupt file is salvaged: its lease ids, keys and client id are still read where they appear. */
export function readJournal(path: string): JournalRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { file: undefined, corrupt: false };
  }
  try {
    return { file: JournalFileSchema.parse(JSON.parse(text)), corrupt: false };
  } catch {
    return { file: salvage(text), corrupt: true };
  }
}

/**
 * What a damaged journal still says: each entry's `key`, `leaseId` and
 * `idempotencyKey`, and the client id, read from the raw text (a file cut short by a
 * full disk, or half-overwritten, still names most of its leases). Entries are flat
 * objects, so the text after each `{` holds at most one entry's fields.
 */
export function salvage(text: string): JournalFile | undefined {
  const field = (segment: string, name: string): string | undefined =>
    new RegExp(`"${name}"\\s*:\\s*"((?:[^"\\\\]|\\\\.){1,200})"`).exec(segment)?.[1];
  const segments = text.split('{');
  const leases: JournalEntry[] = [];
  for (const segment of segments.slice(2)) {
    const key = field(segment, 'key');
    const leaseId = field(segment, 'leaseId') ?? null;
    if (key === undefined && leaseId === null) continue;
    leases.push({
      key: key ?? `salvaged:${leaseId}`,
      workload: field(segment, 'workload') ?? '',
      leaseId,
      idempotencyKey: field(segment, 'idempotencyKey') ?? '',
      requestedAt: 0,
    });
  }
  const clientId = field(segments[1] ?? '', 'clientId');
  if (leases.length === 0 && clientId === undefined) return undefined;
  const pid = Number(/"pid"\s*:\s*(\d+)/.exec(segments[1] ?? '')?.[1] ?? NaN);
  return { version: 1, clientId: clientId ?? '', pid: Number.isInteger(pid) ? pid : 0, market: '', leases };
}

/** The live journal of this process. */
export class LeaseJournal {
  private readonly entries = new Map<string, JournalEntry>();

  constructor(
    /** File path. */
    readonly path: string,
    private readonly clientId: string,
    private readonly market: string,
  ) {}

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

  /** Let go of the file and its lock; delete the file when nothing is held (a clean shutdown). */
  close(): void {
    if (this.entries.size === 0) rmSync(this.path, { force: true });
    releaseLock(lockPathOf(this.path));
  }
}
