/**
 * The node agent: its handlers (pure parts), the `adaptive-compute agent` command run
 * by hand, and the no-orphans rule with real pids: `kill -9` of a marketplace
 * process takes its agents with it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { builtinHandler } from '../../src/local/agent/builtin-handlers.js';
import { fakeText } from '../../src/local/agent/fake-text.js';
import type { AgentHandlerContext } from '../../src/local/agent/handler-types.js';
import { emulateGpu } from '../../src/local/agent/load-handler.js';
import { LeaseResponseSchema } from '../../src/market/protocol.js';
import { agent, call } from './http.js';
import { agentPidsOf, isRunning, waitUntil } from './processes.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => agent.close());

const ctx = (taskId = 't'): AgentHandlerContext => ({ taskId, workload: 'w', leaseId: 'l', seed: 1, signal: new AbortController().signal, env: {} });

/** Start the CLI; resolve with the child and its first stdout line. */
async function startCli(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcessWithoutNullStreams; first: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output from ${args.join(' ')}: ${err}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${err}`)));
  });
  return { child, first };
}

describe('built-in handlers', () => {
  it('echo keeps the fake marketplace contract; tokens declares base + in + out service time with deterministic text', async () => {
    expect(await builtinHandler('echo')({ ms: 30, x: 1 }, ctx())).toEqual({ output: { echo: { ms: 30, x: 1 } }, serviceMs: 30 });
    expect(await builtinHandler('sleep')({ ms: 5 }, ctx())).toEqual({ output: { sleptMs: 5 }, serviceMs: 5 });
    const tokens = builtinHandler('tokens', { baseMs: 10, msPerInputToken: 0.5, msPerOutputToken: 2 });
    const a = await tokens({ inputTokens: 100, outputTokens: 20 }, ctx('task-1'));
    expect(a.serviceMs).toBe(10 + 50 + 40);
    expect(a.output).toMatchObject({ inputTokens: 100, outputTokens: 20, serviceMs: 100 });
    const text = (a.output as { text: string }).text;
    expect(text.split(' ')).toHaveLength(20);
    expect((await tokens({ inputTokens: 100, outputTokens: 20 }, ctx('task-1'))).output).toEqual(a.output);
    expect(fakeText(1, 'task-2', 20)).not.toBe(text);
    expect((await tokens({ outputTokens: 1, msPerOutputToken: 100 }, ctx())).serviceMs).toBe(110);
  });

  it('holds the slot for the declared service time (minus what the handler took) on the given clock', async () => {
    const clock = new VirtualClock();
    const run = emulateGpu(() => ({ output: 'done', serviceMs: 1_000 }), { seed: 1, clock, env: {} });
    let settled = false;
    const pending = run(null, { taskId: 't', workload: 'w', leaseId: 'l', signal: new AbortController().signal, clock }).then((v) => {
      settled = true;
      return v;
    });
    await clock.advance(999);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await pending).toBe('done');
    const bad = emulateGpu(() => ({ nope: 1 }) as never, { seed: 1, clock, env: {} });
    await expect(bad(null, { taskId: 't', workload: 'w', leaseId: 'l', signal: new AbortController().signal, clock })).rejects.toThrow('{ output');
  });
});

describe('adaptive-compute agent', () => {
  it('serves the node protocol by hand with the token from the environment, and stops on SIGTERM', async () => {
    const { child, first } = await startCli(['agent', '--handler', 'tokens', '--slots', '2', '--host', '127.0.0.1', '--port', '0'], { ADAPTIVE_COMPUTE_NODE_TOKEN: 'tok-1' });
    const endpoint = /listening on (http:\/\/\S+)/.exec(first)![1]!;
    expect(first).not.toContain('tok-1');
    expect((await call(endpoint, 'GET', '/healthz')).json).toEqual({ ready: true });
    const res = await call(endpoint, 'POST', '/v1/run', { token: 'tok-1', body: { workload: 'w', input: { inputTokens: 5, outputTokens: 4 }, taskId: 'x' } });
    expect(res.status).toBe(200);
    expect((res.json as { output: { outputTokens: number } }).output.outputTokens).toBe(4);
    expect((await call(endpoint, 'POST', '/v1/run', { token: 'bad', body: { workload: 'w', input: {}, taskId: 'y' } })).status).toBe(401);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('refuses to start without a node token (exit 2, one line)', async () => {
    const child = spawn(process.execPath, [cli, 'agent'], { env: { PATH: process.env.PATH ?? '' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain('ADAPTIVE_COMPUTE_NODE_TOKEN');
  });
});

describe('no orphans', () => {
  it('agents exit when their marketplace process is killed with SIGKILL', async () => {
    const { child, first } = await startCli(['market', '--json', '--cold-start-ms', '0']);
    const { url, pid, apiKey } = JSON.parse(first) as { url: string; pid: number; apiKey: string };
    expect(pid).toBe(child.pid);
    for (const [key, offerId] of [['a', 'l4-24gb'], ['b', 'a100-40gb']] as const) {
      const res = await call(url, 'POST', '/v1/leases', {
        token: apiKey,
        idempotencyKey: key,
        body: { offerId, image: 'echo', maxPricePerHour: 100, tags: { client: 't' } },
      });
      expect(res.status).toBe(201);
      LeaseResponseSchema.parse(res.json);
    }
    expect(await waitUntil(() => agentPidsOf(pid).length === 2, 20_000)).toBe(true);
    const agents = agentPidsOf(pid);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await waitUntil(() => agents.every((p) => !isRunning(p)), 10_000)).toBe(true);
  });

  it('market stops its agents on SIGTERM and exits 0', async () => {
    const { child, first } = await startCli(['market', '--json', '--cold-start-ms', '0']);
    const { url, pid, apiKey } = JSON.parse(first) as { url: string; pid: number; apiKey: string };
    await call(url, 'POST', '/v1/leases', { token: apiKey, idempotencyKey: 'k', body: { offerId: 'l4-24gb', image: 'echo', maxPricePerHour: 100, tags: {} } });
    expect(await waitUntil(() => agentPidsOf(pid).length === 1, 20_000)).toBe(true);
    const agents = agentPidsOf(pid);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(agents.filter(isRunning)).toEqual([]);
  });
});
