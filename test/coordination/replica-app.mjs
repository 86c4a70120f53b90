// One replica of a group, as an app runs it: a separate Node process using the built
// package. Driven by JSON lines on stdin, it answers with JSON lines on stdout:
//   { cmd: 'run', n, ms, tag }   -> runs n tasks of `ms` on the shared workload; { type: 'ran', ok, wrong, failed, errors, messages, nodes }
//   { cmd: 'metrics' }           -> { type: 'metrics', coordination, budget, nodes }
//   { cmd: 'shutdown' }          -> { type: 'shutdown', ms } then exits 0
// Env: PKG (module path of the package), REDIS_URL, GROUP, MARKET_URL, MARKET_KEY, TOTAL, TTL_MS, TICK_MS, MAX_NODES, SCALE_DOWN_MS, REPLICA_ID.
import { createInterface } from 'node:readline';

const { createCompute } = await import(process.env.PKG);
const out = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const budget = { maxPerHour: 100, ...(process.env.TOTAL ? { total: Number(process.env.TOTAL) } : {}) };
const compute = createCompute({
  marketplace: { url: process.env.MARKET_URL, apiKey: process.env.MARKET_KEY },
  budget,
  tickMs: Number(process.env.TICK_MS ?? 500),
  coordination: { redis: process.env.REDIS_URL, group: process.env.GROUP, ttlMs: Number(process.env.TTL_MS ?? 2000), ...(process.env.REPLICA_ID ? { replicaId: process.env.REPLICA_ID } : {}) },
});
compute.on('warning', (e) => out({ type: 'warning', code: e.error.code, message: e.error.message, during: e.during, details: e.error.details }));
compute.on('budget', (e) => out({ type: 'budget', cap: e.cap, percent: e.percent }));
if (process.env.DEBUG_EVENTS) {
  compute.on('scale', (e) => process.stderr.write(`${Date.now() % 100000} scale ${e.desired} +${e.added} -${e.released} ${JSON.stringify(e.nodes)} ${e.reason}\n`));
  setInterval(() => { const m = compute.metrics(); process.stderr.write(`${Date.now() % 100000} m q=${JSON.stringify(m.workloads.echo?.queue ?? m.workloads.echo?.queued)} nodes=${JSON.stringify(m.workloads.echo?.nodes)} b=${m.budget.committed?.toFixed(5)} deg=${m.coordination.degraded} lead=${m.coordination.workloads.echo?.isLeader}\n`); }, 2000).unref();
}
const echo = compute.workload('echo', {
  gpu: { model: ['A100'] },
  image: 'example/echo:1',
  scaling: { minNodes: 0, maxNodes: Number(process.env.MAX_NODES ?? 6), concurrencyPerNode: 2, latencyTargetMs: 2000, scaleDownDelayMs: Number(process.env.SCALE_DOWN_MS ?? 3000) },
});

async function run({ n, ms, tag }) {
  const nodes = new Set();
  let ok = 0, wrong = 0, failed = 0;
  const errors = {};
  const messages = {}; // first message per code: a failing test shows why
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const input = { ms, id: `${tag}-${i}`, from: process.env.REPLICA_ID ?? tag };
      try {
        const output = await echo.run(input, { timeoutMs: 60_000 });
        if (output?.echo?.id === input.id) ok++;
        else wrong++;
      } catch (error) {
        failed++;
        errors[error.code] = (errors[error.code] ?? 0) + 1;
        messages[error.code] ??= String(error.message);
      }
    }),
  );
  out({ type: 'ran', tag, ok, wrong, failed, errors, messages, nodes: [...nodes] });
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.cmd === 'run') void run(msg);
  else if (msg.cmd === 'metrics') {
    const m = compute.metrics();
    out({ type: 'metrics', coordination: m.coordination, budget: m.budget, nodes: m.workloads.echo?.nodes });
  } else if (msg.cmd === 'shutdown') {
    const t0 = Date.now();
    compute.shutdown({ graceMs: 10_000, releaseTimeoutMs: 10_000 }).then(
      () => {
        out({ type: 'shutdown', ms: Date.now() - t0 });
        process.exit(0);
      },
      (error) => {
        out({ type: 'shutdown-failed', message: String(error) });
        process.exit(1);
      },
    );
  }
});
out({ type: 'started', pid: process.pid });
