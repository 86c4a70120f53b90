/**
 * Identifier helpers. Randomness comes from `node:crypto` only for ids that must be
 * unique across processes (idempotency keys, client ids); nothing here decides behaviour.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** A fresh UUID v4, for `Idempotency-Key` headers. */
export function newIdempotencyKey(): string {
  return randomUUID();
}

/**
 * The prefix of a workload queue's task ids (`<workload>-<12 hex digits>`, then
 * `-<seq>` per task). Random per queue, so that ids never repeat across processes or
 * restarts (nodes de-duplicate retries by task id: a repeated id could be answered
 * with another task's cached output), while every attempt of one task keeps its id.
 */
export function newTaskIdPrefix(workload: string): string {
  return `${workload}-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** A short random client id, used as the lease tag when the app gives none. */
export function newClientId(): string {
  return `ac-${randomUUID().slice(0, 8)}`;
}

/**
 * The client id a process gets when the app gives none: stable across restarts of
 * the same program in the same directory on the same host, so that a restart finds
 * the leases a crash left behind (by tag and journal).
 */
export function stableClientId(): string {
  const seed = [hostname(), process.cwd(), process.argv[1] ?? ''].join('\u0000');
  return `ac-${createHash('sha256').update(seed).digest('hex').slice(0, 12)}`;
}
