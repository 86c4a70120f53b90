// Queue memory: bytes of heap per queued task at 1M queued tasks, our TaskQueue vs p-queue 9.
//
//   node bench/queue-memory.mjs            (from the repo root; no build step needed)
//   QUEUE_BENCH_TASKS=200000 node bench/queue-memory.mjs   (fewer tasks, quicker)
//
// It bundles src/queue with esbuild into .bench-out/queue/, then measures each
// implementation in its own child process (`node --expose-gc`), so one heap's
// leftovers cannot bias the other. Per task it counts everything the queue keeps
// alive: the task record, the caller's promise and its resolving functions, and the
// queue's own slots. Every task gets the same input object, no signal, no timeout.
// The array that holds the returned promises is allocated before the baseline, so it
// is not counted for either side. Exits 1 if ours reaches 300 B/task.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIMIT_BYTES_PER_TASK = 300;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const bundle = join(root, '.bench-out', 'queue', 'index.js');
const tasks = Number(process.env.QUEUE_BENCH_TASKS ?? 1_000_000);

const IMPLEMENTATIONS = {
  // TaskQueue.enqueue(input): the call every `run()` makes.
  async ours(n, input) {
    const { TaskQueue, RealClock } = await import(bundle);
    const queue = new TaskQueue({ clock: new RealClock(), workload: 'bench', maxQueued: Infinity, idPrefix: 'bench' });
    return {
      keep: queue,
      add: (promises) => {
        for (let i = 0; i < n; i++) promises[i] = queue.enqueue(input);
      },
      check: () => queue.size === n,
    };
  },
  // p-queue as an app would use it: a closure per job carries the job's input.
  async 'p-queue (closure per job)'(n, input) {
    return pQueueCase(n, (send) => () => send(input));
  },
  // p-queue's floor: every job shares one function (only possible if jobs carry no input).
  async 'p-queue (one shared fn)'(n, input) {
    const shared = () => Promise.resolve(input);
    return pQueueCase(n, () => shared);
  },
};

async function pQueueCase(n, jobFor) {
  const { default: PQueue } = await import('p-queue');
  const queue = new PQueue({ concurrency: 1 });
  const send = (input) => Promise.resolve(input);
  return {
    keep: queue,
    add: (promises) => {
      // The first job never finishes, so the other n - 1 stay pending.
      promises[0] = queue.add(() => new Promise(() => {}));
      for (let i = 1; i < n; i++) promises[i] = queue.add(jobFor(send));
    },
    check: () => queue.size === n - 1 && queue.pending === 1,
  };
}

async function child(name) {
  if (typeof globalThis.gc !== 'function') throw new Error('run the child with --expose-gc');
  const input = { text: 'the same input for every task' };
  const impl = await IMPLEMENTATIONS[name](tasks, input);
  const promises = new Array(tasks).fill(undefined);
  const before = settledHeap();
  const started = performance.now();
  impl.add(promises);
  // Let p-queue's async `add()` bodies run up to their first await, as they would in an app.
  await new Promise((resolve) => setImmediate(resolve));
  const ms = performance.now() - started;
  const after = settledHeap();
  if (!impl.check()) throw new Error(`${name}: not all ${tasks} tasks are queued`);
  process.stdout.write(JSON.stringify({ name, tasks, bytes: after - before, ms }));
  // Keep everything reachable until after the measurement.
  if (promises.length !== tasks || impl.keep === undefined) throw new Error('unreachable');
}

function settledHeap() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function main() {
  const { build } = await import('esbuild');
  mkdirSync(dirname(bundle), { recursive: true });
  await build({
    stdin: {
      contents: "export * from './src/queue/index.ts'; export { RealClock } from './src/clock.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: bundle,
    logLevel: 'warning',
  });

  const rows = [];
  for (const name of Object.keys(IMPLEMENTATIONS)) {
    const run = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', fileURLToPath(import.meta.url), '--child', name], {
      cwd: root,
      env: process.env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.status !== 0) {
      process.stderr.write(run.stderr);
      throw new Error(`${name}: child exited with ${run.status ?? run.signal}`);
    }
    rows.push(JSON.parse(run.stdout));
  }

  const ours = rows[0];
  const perTask = (row) => row.bytes / row.tasks;
  const table = rows.map((row) => ({
    implementation: row.name,
    tasks: row.tasks,
    'heap MB': (row.bytes / 2 ** 20).toFixed(1),
    'bytes/task': perTask(row).toFixed(1),
    'vs ours': `${(perTask(row) / perTask(ours)).toFixed(2)}x`,
    'enqueue ms': row.ms.toFixed(0),
  }));
  console.log(`queue memory at ${tasks} queued tasks (node ${process.version})`);
  console.table(table);
  if (perTask(ours) >= LIMIT_BYTES_PER_TASK) {
    console.error(`FAIL: ${perTask(ours).toFixed(1)} B/task >= ${LIMIT_BYTES_PER_TASK}`);
    process.exitCode = 1;
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]);
else await main();
