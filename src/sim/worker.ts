/**
 * The worker-thread side of {@link runInWorkers}: receives the shared run input at
 * start, then runs one policy per job message and posts its result back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ComputeError } from '../errors.js';
import type { WorkerJob, WorkerReply } from './parallel.js';
import { runPolicy, type PolicyRunInput } from './run.js';

const port = parentPort;
if (port === null) throw new Error('sim-worker runs only as a worker thread');
const input = workerData as PolicyRunInput;

port.on('message', ({ index, job }: WorkerJob) => {
  const say = (reply: WorkerReply): void => port.postMessage(reply);
  try {
    const onProgress = (share: number): void => say({ type: 'progress', index, share });
    const result = typeof job === 'string' ? runPolicy(input, job, onProgress) : runPolicy({ ...input, config: job.config }, job.run, onProgress);
    say({ type: 'result', index, result });
  } catch (error) {
    say({ type: 'error', index, message: error instanceof Error ? error.message : String(error), code: error instanceof ComputeError ? error.code : undefined });
  }
});
