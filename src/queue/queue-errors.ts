/**
 * The errors a workload queue raises, built in one place so that messages name the
 * workload and the limit the same way everywhere.
 */
import { ComputeError } from '../errors.js';

/** The queue already holds `maxQueued` tasks. Retryable: the queue drains. */
export function queueFullError(workload: string, maxQueued: number): ComputeError {
  return new ComputeError('QUEUE_FULL', `Workload "${workload}": queue is full (maxQueued ${maxQueued})`, {
    details: { workload, maxQueued },
  });
}

/** The task's `timeoutMs` passed while it was queued or running. */
export function timeoutError(workload: string, taskId: string, timeoutMs: number, while_: 'queued' | 'running'): ComputeError {
  return new ComputeError('TIMEOUT', `Workload "${workload}": task ${taskId} timed out after ${timeoutMs} ms (while ${while_})`, {
    details: { workload, taskId, timeoutMs, state: while_ },
  });
}

/** The caller's signal aborted; its reason rides along as `cause`. */
export function abortedError(workload: string, taskId: string | undefined, reason: unknown): ComputeError {
  const which = taskId === undefined ? 'task' : `task ${taskId}`;
  return new ComputeError('ABORTED', `Workload "${workload}": ${which} aborted by its signal`, {
    cause: reason,
    details: taskId === undefined ? { workload } : { workload, taskId },
  });
}

/** An enqueue option is out of range (the public API validates first; this guards direct use). */
export function invalidOptionError(workload: string, path: string, problem: string): ComputeError {
  return new ComputeError('CONFIG_INVALID', `${path}: ${problem}`, { details: { workload, path } });
}
