/**
 * The lease journal's ownership and damage handling: an O_EXCL lock with pid
 * liveness decides who owns a journal; a corrupt journal is set aside, reported by a
 * `warning`, and the lease ids it still names are released at start.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { Compute } from '../../src/compute.js';
import { ComputeOptionsSchema } from '../../src/config/compute.js';
import type { WarningEvent } from '../../src/events.js';
import { salvage } from '../../src/leases/journal.js';
import { claimLock, releaseLock } from '../../src/leases/journal-lock.js';
import { openJournal } from '../../src/leases/open-journal.js';
import { MemoryMarket } from '../support/memory-market.js';
import { tempDir } from '../support/temp-dir.js';

/** A pid no process has: above Linux's largest pid_max. */
const DEAD_PID = 99_999_999;

describe('journal lock', () => {
  it('is held once per process, taken over from a dead pid, never from a live one', () => {
    const dir = tempDir('ac-lock');
    const lock = join(dir, 'j.json.lock');
    expect(claimLock(lock)).toBe(true);
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    // A second Compute in this process must not get it.
    expect(claimLock(lock)).toBe(false);
    releaseLock(lock);
    expect(existsSync(lock)).toBe(false);

    writeFileSync(lock, String(DEAD_PID));
    expect(claimLock(lock)).toBe(true);
    releaseLock(lock);

    // The parent of this process is alive.
    writeFileSync(lock, String(process.ppid));
    expect(claimLock(lock)).toBe(false);
    // A lock being written right now (empty, fresh) is not stale.
    writeFileSync(lock, '');
    expect(claimLock(lock)).toBe(false);
  });

  it('gives a second runtime in the same process its own id, and an explicit id a clear error', () => {
    const dir = tempDir('ac-open');
    const path = join(dir, 'explicit.json');
    const first = openJournal(path, 'app', true, 'm');
    expect(() => openJournal(path, 'app', true, 'm')).toThrow(/belongs to a running process/);
    first.journal!.close();
    const again = openJournal(path, 'app', true, 'm');
    expect(again.clientId).toBe('app');
    again.journal!.close();
  });
});

describe('a corrupt journal', () => {
  const entry = (key: string, leaseId: string | null) => ({ key, workload: 'w', leaseId, idempotencyKey: `idem-${key}`, requestedAt: 1 });

  it('is salvaged: lease ids, keys and idempotency keys are read from what is left', () => {
    const text = JSON.stringify({ version: 1, clientId: 'app', pid: DEAD_PID, market: 'm', leases: [entry('w#a.1', 'lease-1'), entry('w#a.2', null), entry('w#a.3', 'lease-3')] });
    const cut = salvage(text.slice(0, text.lastIndexOf('lease-3') + 5));
    expect(cut?.clientId).toBe('app');
    expect(cut?.leases.map((e) => [e.key, e.leaseId, e.idempotencyKey])).toEqual([
      ['w#a.1', 'lease-1', 'idem-w#a.1'],
      ['w#a.2', null, 'idem-w#a.2'],
      // Cut inside its lease id: its key is still there, to look the lease up by its node tag.
      ['w#a.3', null, ''],
    ]);
    expect(salvage('\u0000\u0000 garbage')).toBeUndefined();
  });

  it('is kept aside, reported by a warning, and the leases it names are released', async () => {
    const dir = tempDir('ac-corrupt');
    const path = join(dir, 'journal.json');
    const clock = new VirtualClock(1_700_000_000_000);
    const market = new MemoryMarket(clock, { coldStartMs: 100 });
    const tags = { client: 'old-app', workload: 'w', host: 'elsewhere-never', pid: String(DEAD_PID) };
    const orphan = await market.createLease({ offerId: 'a100', image: 'i', maxPricePerHour: 2, tags }, 'k1');
    const full = JSON.stringify({ version: 1, clientId: 'old-app', pid: DEAD_PID, market: 'm', leases: [entry('w#z.1', orphan.id)] });
    // Cut short, as a full disk leaves it.
    writeFileSync(path, full.slice(0, full.length - 12));

    const compute = new Compute(ComputeOptionsSchema.parse({ marketplace: market, clock, journal: path, clientId: 'app' }));
    const warnings: WarningEvent[] = [];
    compute.on('warning', (e) => warnings.push(e));
    const recovered = compute.recovered();
    await clock.advance(1_000);
    expect(await recovered).toBe(1);
    expect((await market.getLease(orphan.id)).state).toBe('terminated');
    const report = warnings.find((w) => w.during === 'opening the lease journal');
    expect(report?.error.details.leaseIds).toEqual([orphan.id]);
    const aside = readdirSync(dir).filter((f) => f.startsWith('journal.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(full.slice(0, full.length - 12));
    const shutdown = compute.shutdown({ graceMs: 0, releaseTimeoutMs: 0 });
    await clock.advance(1_000);
    await shutdown;
  });
});
