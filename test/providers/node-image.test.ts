/**
 * examples/node-image as a provider would run it, without a Docker engine: the
 * Dockerfile's ENV and ENTRYPOINT become a local command line (image paths mapped to
 * this repository), started with the env an adapter sends; the node serves the
 * handler over TLS pinned to the lease's key. The vLLM entrypoint runs too, with a
 * stand-in `vllm` that reports the arguments it was given.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeClient } from '../../src/dispatch/node-client.js';
import { generateNodeTlsKey, spkiPin } from '../../src/providers/tls/node-key.js';
import { spawnAgent, type AgentProcess } from '../support/agent-process.js';
import { tempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const imageDir = join(root, 'examples/node-image');
const agents: AgentProcess[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

/** Where the image's paths are in this repository. */
function mapPath(path: string): string {
  return path.replace('/app/node_modules/adaptive-compute/dist/cli.js', join(root, 'dist/cli.js')).replace(/^\/app\//, `${imageDir}/`);
}

/** ENV and ENTRYPOINT of a Dockerfile. */
function readDockerfile(text: string): { env: Record<string, string>; entrypoint: string[]; from: string } {
  const env: Record<string, string> = {};
  let entrypoint: string[] = [];
  let from = '';
  for (const line of text.split('\n')) {
    const m = /^(\w+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'FROM') from = m[2]!.split(/\s+/)[0]!;
    if (m[1] === 'ENV') for (const [, k, v] of m[2]!.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
    if (m[1] === 'ENTRYPOINT') entrypoint = JSON.parse(m[2]!) as string[];
  }
  return { env, entrypoint, from };
}

describe('examples/node-image', () => {
  it('the Dockerfile is Node 20 slim with the agent as entrypoint, configured by env only', () => {
    const image = readDockerfile(readFileSync(join(imageDir, 'Dockerfile'), 'utf8'));
    expect(image.from).toBe('node:20-slim');
    expect(image.entrypoint).toEqual(['node', '/app/node_modules/adaptive-compute/dist/cli.js', 'agent']);
    expect(image.env).toMatchObject({ PORT: '8000', ADAPTIVE_COMPUTE_HANDLER: '/app/handler.mjs' });
    const pkg = JSON.parse(readFileSync(join(imageDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toEqual(['adaptive-compute']);
  });

  it("runs the image's command line with an adapter's env: https on the lease key, the node token, the handler", async () => {
    const image = readDockerfile(readFileSync(join(imageDir, 'Dockerfile'), 'utf8'));
    const [node, cli, ...args] = image.entrypoint.map(mapPath);
    expect(node).toBe('node');
    const key = generateNodeTlsKey();
    const env = Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, mapPath(v)]));
    // PORT 0 and loopback stand in for the container port the provider maps.
    const agent = await spawnAgent({ ...env, PORT: '0', ADAPTIVE_COMPUTE_NODE_TOKEN: 'ntok-image', ADAPTIVE_COMPUTE_TLS_KEY: key.secret }, args.slice(1));
    agents.push(agent);
    expect(cli).toBe(join(root, 'dist/cli.js'));
    expect(agent.scheme).toBe('https');
    const client = new NodeClient({ leaseId: 'l', endpoint: `https://127.0.0.1:${agent.port}`, nodeToken: 'ntok-image', connections: 1, tlsPin: key.pin });
    try {
      expect(await client.run({ workload: 'llm', input: { text: 'hello' }, taskId: 't-1' })).toEqual({ workload: 'llm', taskId: 't-1', upper: 'HELLO' });
    } finally {
      await client.close();
    }
    const wrongToken = new NodeClient({ leaseId: 'l', endpoint: `https://127.0.0.1:${agent.port}`, nodeToken: 'other', connections: 1, tlsPin: key.pin });
    await expect(wrongToken.run({ workload: 'llm', input: 1, taskId: 't-2' })).rejects.toMatchObject({ code: 'NODE_FAILED' });
    await wrongToken.close();
  });

  it('vllm/entrypoint.sh: the node token is the API key, and vLLM serves https with the lease key', () => {
    const dir = tempDir('node-image-vllm');
    const bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    // A stand-in vllm: prints its arguments.
    writeFileSync(join(bin, 'vllm'), '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n');
    chmodSync(join(bin, 'vllm'), 0o755);
    writeFileSync(join(bin, 'node'), `#!/bin/sh\nexec "${process.execPath}" "$@"\n`);
    chmodSync(join(bin, 'node'), 0o755);
    const script = readFileSync(join(imageDir, 'vllm/entrypoint.sh'), 'utf8')
      .replace('/opt/ac/node_modules/adaptive-compute/dist/cli.js', join(root, 'dist/cli.js'))
      .replaceAll('/tmp/node-tls', join(dir, 'tls'));
    writeFileSync(join(dir, 'entrypoint.sh'), script);
    const key = generateNodeTlsKey();
    const run = spawnSync('/bin/sh', [join(dir, 'entrypoint.sh')], {
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, MODEL: 'tiny-model', PORT: '8000', ADAPTIVE_COMPUTE_NODE_TOKEN: 'ntok-vllm', ADAPTIVE_COMPUTE_TLS_KEY: key.secret },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const argv = run.stdout.trim().split('\n');
    expect(argv.slice(0, 2)).toEqual(['serve', 'tiny-model']);
    expect(argv[argv.indexOf('--api-key') + 1]).toBe('ntok-vllm');
    expect(argv[argv.indexOf('--port') + 1]).toBe('8000');
    const cert = new X509Certificate(readFileSync(argv[argv.indexOf('--ssl-certfile') + 1]!));
    expect(spkiPin(cert.publicKey)).toBe(key.pin);
    expect(readFileSync(argv[argv.indexOf('--ssl-keyfile') + 1]!, 'utf8')).toContain('PRIVATE KEY');
  });
});
