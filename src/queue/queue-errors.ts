/**
 * The errors a workload queue raises, built in one place so that messages name the
 * workload and the limit the same way everywhere.
 */
import { ComputeError } from '../errors.js';

/** The queue already holds `maxQueued` tasks. Retryable: the queue drains. */
export function queueFullError(workload: string, maxQueued: number): ComputeError {
  return new ComputeError('QUEUE_FULL', `workload "${workload}": queue is full (maxQueued ${maxQueued})`, {
    details: { workload, maxQueued },
  });
}

/**
 * The task's `timeoutMs` passed while it was queued or running. `blockedBy`: why no
 * node could take it (the marketplace unreachable), named in the message and kept as
 * `cause`, so the caller sees the reason and not only the symptom.
 */
export function timeoutError(workload: string, taskId: string, timeoutMs: number, while_: 'queued' | 'running', blockedBy?: ComputeError): ComputeError {
  const why = blockedBy ? `; the marketplace is unreachable: ${blockedBy.message}` : '';
  return new ComputeError('TIMEOUT', `workload "${workload}": task ${taskId} timed out after ${timeoutMs} ms (while ${while_}${why})`, {
    ...(blockedBy ? { cause: blockedBy } : {}),
    details: { workload, taskId, timeoutMs, state: while_, ...(blockedBy ? { marketplace: blockedBy.code } : {}) },
  });
}

/** The caller's signal aborted; its reason rides along as `cause`. */
export function abortedError(workload: string, taskId: string | undefined, reason: unknown): ComputeError {
  const which = taskId === undefined ? 'task' : `task ${taskId}`;
  return new ComputeError('ABORTED', `workload "${workload}": ${which} aborted by its signal`, {
    cause: reason,
    details: taskId === undefined ? { workload } : { workload, taskId },
  });
}

/** An enqueue option is out of range (the public API validates first; this guards direct use). */
export function invalidOptionError(workload: string, path: string, problem: string): ComputeError {
  return new ComputeError('CONFIG_INVALID', `${path}: ${problem}`, { details: { workload, path } });
}
