/**
 * Policies of one simulation run side by side, one worker thread each at a time:
 * every run is independent (own engine, own seeded dice), so the report is the same
 * as on one thread, only sooner on a machine with more cores. The trace's arrays
 * are shared with the workers, not copied.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ComputeError, type ComputeErrorCode } from '../errors.js';
import type { PolicyResult } from './results.js';
import type { PolicyJob, PolicyRunInput, RunOptions } from './run.js';
import type { Trace } from './trace/types.js';

/** A job for a worker: run `jobs[index]`. */
export interface WorkerJob {
  /** Position of the policy in the run's list (results come back in that order). */
  index: number;
  /** Policy id (`adaptive` or a baseline's name), or a policy run under a config of its own. */
  job: PolicyJob;
}

/** What a worker says back. */
export type WorkerReply =
  | { type: 'progress'; index: number; share: number }
  | { type: 'result'; index: number; result: PolicyResult }
  | { type: 'error'; index: number; message: string; code?: ComputeErrorCode | undefined };

// Built next to the bundle that imports this module (see tsup.config.ts).
const WORKER_FILE = './sim-worker.js';

// Memory one policy's run takes per request of the trace (latencies, task state, heap
// entries: about 25 B measured on a 9.7M-request trace), with some margin.
const BYTES_PER_REQUEST = 32;

/**
 * Policies to run at once when the user did not say: one per core, but no more
 * than half the free memory holds, so that a huge trace does not run out of it.
 */
export function defaultJobs(requests: number): number {
  const byMemory = Math.floor(freemem() / 2 / Math.max(1, requests * BYTES_PER_REQUEST));
  return Math.max(1, Math.min(availableParallelism(), byMemory));
}

/** The built worker script beside this bundle, or `undefined` (running from the sources). */
export function builtWorkerScript(): string | undefined {
  const script = fileURLToPath(new URL(WORKER_FILE, import.meta.url));
  return existsSync(script) ? script : undefined;
}

/**
 * Run `list` on `jobs` worker threads of `script` and return their results in
 * `list` order, or `undefined` when there is no worker script: the caller then
 * runs them on its own thread. Rejects if a worker fails or stops early.
 */
export async function runInWorkers(
  input: PolicyRunInput,
  list: readonly PolicyJob[],
  jobs: number,
  options: Pick<RunOptions, 'onProgress'>,
  script = builtWorkerScript(),
): Promise<PolicyResult[] | undefined> {
  if (script === undefined) return undefined;
  const workerData: PolicyRunInput = { ...input, trace: shareTrace(input.trace) };
  const names = list.map((job) => (typeof job === 'string' ? job : job.run.id));
  const results: PolicyResult[] = new Array<PolicyResult>(names.length);
  const shares = new Float64Array(names.length);
  const workers: Worker[] = [];
  let handedOut = 0;
  let finished = 0;
  const report = (name: string): void => {
    if (!options.onProgress) return;
    let sum = 0;
    for (const share of shares) sum += share;
    options.onProgress(sum / names.length, name);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const handOut = (worker: Worker): void => {
        if (handedOut >= names.length) return;
        const job: WorkerJob = { index: handedOut, job: list[handedOut]! };
        handedOut++;
        worker.postMessage(job);
      };
      for (let w = 0; w < jobs; w++) {
        const worker = new Worker(script, { workerData });
        workers.push(worker);
        worker.on('message', (reply: WorkerReply) => {
          if (reply.type === 'progress') {
            shares[reply.index] = reply.share;
            report(names[reply.index]!);
          } else if (reply.type === 'result') {
            results[reply.index] = reply.result;
            shares[reply.index] = 1;
            report(names[reply.index]!);
            if (++finished === names.length) resolve();
            else handOut(worker);
          } else {
            reject(reply.code ? new ComputeError(reply.code, reply.message) : new Error(`simulating ${names[reply.index]}: ${reply.message}`));
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (finished < names.length) reject(new Error(`a simulation worker stopped (exit code ${code}) before its policy finished`));
        });
        handOut(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/** The trace with its arrays moved into shared memory (trimmed to `count`). */
function shareTrace(trace: Trace): Trace {
  const share = (values: Float64Array): Float64Array => {
    const shared = new Float64Array(new SharedArrayBuffer(trace.count * Float64Array.BYTES_PER_ELEMENT));
    shared.set(values.subarray(0, trace.count));
    return shared;
  };
  return { ...trace, arrivalMs: share(trace.arrivalMs), serviceMs: share(trace.serviceMs) };
}
