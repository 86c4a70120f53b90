/**
 * Creation without idempotency keys (no provider has them). The label carries the
 * lease key, so before any retry of a create the adapter lists by that label and
 * adopts what is there: a create whose answer was lost leaves exactly one instance.
 * Several found (two answers lost): one is kept, the others are released.
 */
import { sleep } from '../clock.js';
import type { Clock } from '../clock.js';
import { isComputeError } from '../errors.js';
import type { Lease } from '../market/protocol.js';
import { retryDelayMs } from '../market/retry.js';

/** What {@link createOnce} needs from an adapter. */
export interface CreateOnceSteps {
  clock: Clock;
  random: () => number;
  /** Creations tried at most. @default 3 */
  attempts?: number;
  /** Look first, even before the first creation (this key was tried before). */
  lookFirst: boolean;
  /** Live instances carrying this lease's label. */
  find(): Promise<Lease[]>;
  /** One creation, never retried by the transport. */
  create(): Promise<Lease>;
  /** Give back a duplicate. */
  release(id: string): Promise<unknown>;
  /** Told about duplicates released (for a warning). */
  onDuplicates?(ids: readonly string[]): void;
}

/** Create, or adopt the instance an earlier attempt made. Rejects with the last error. */
export async function createOnce(steps: CreateOnceSteps): Promise<Lease> {
  const attempts = steps.attempts ?? 3;
  let look = steps.lookFirst;
  for (let attempt = 0; ; attempt++) {
    if (look) {
      const found = await steps.find();
      if (found.length > 0) return adopt(found, steps);
    }
    try {
      return await steps.create();
    } catch (error) {
      // Only failures another try may fix are retried: a lost answer (look, then maybe
      // create again) or a refusal that proves nothing was made (429, connection refused).
      const again = isComputeError(error) && (error.details.outcomeUnknown === true || error.retryable) && error.code !== 'OFFER_GONE';
      if (!again || attempt + 1 >= attempts) throw error;
      // A refusal (429, connection refused) proves nothing was made; anything else may have.
      look ||= error.details.outcomeUnknown === true;
      const hintMs = (error as { retryAfterMs?: number }).retryAfterMs;
      await sleep(steps.clock, retryDelayMs({ retry: attempt, hintMs, random: steps.random }));
    }
  }
}

function adopt(found: Lease[], steps: CreateOnceSteps): Lease {
  // Prefer the one furthest along; ties by id so every run picks the same.
  const order = ['running', 'provisioning', 'pending'];
  const sorted = [...found].sort((a, b) => rankOf(a) - rankOf(b) || a.id.localeCompare(b.id));
  const [keep, ...rest] = sorted;
  if (rest.length > 0) {
    for (const dup of rest) void steps.release(dup.id).catch(() => undefined);
    steps.onDuplicates?.(rest.map((l) => l.id));
  }
  return keep!;

  function rankOf(lease: Lease): number {
    const i = order.indexOf(lease.state);
    return i === -1 ? order.length : i;
  }
}
