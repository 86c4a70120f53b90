/**
 * The node client reads response bodies within a size limit whether the node declares
 * a length or streams chunks, and every read settles: a connection cut mid-body is a
 * retryable connection failure, never a hang.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeClient } from '../../src/dispatch/node-client.js';
import { NodeError } from '../../src/errors.js';
import { rejectionOf } from '../support/rejection.js';

let server: Server | undefined;
let client: NodeClient | undefined;
afterEach(async () => {
  await client?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  client = undefined;
});

type Handler = (res: import('node:http').ServerResponse) => void;

async function nodeAnswering(handler: Handler, maxBodyBytes = 1024): Promise<NodeClient> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(res));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new NodeClient({ leaseId: 'l-1', endpoint: `http://127.0.0.1:${port}`, nodeToken: 'secret-token', connections: 2, maxBodyBytes });
  return client;
}

function failureOf(promise: Promise<unknown>): Promise<NodeError> {
  return rejectionOf(promise, NodeError);
}

const request = { workload: 'w', input: { a: 1 }, taskId: 't-1' };

describe('NodeClient response bodies', () => {
  it('joins a chunked body sent in several writes', async () => {
    const node = await nodeAnswering((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"output":');
      setImmediate(() => res.end('{"echo":"' + 'x'.repeat(300) + '"}}'));
    });
    await expect(node.run(request)).resolves.toEqual({ echo: 'x'.repeat(300) });
  });

  it('refuses a chunked body over the limit as a protocol failure', async () => {
    const node = await nodeAnswering((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"output":"' + 'x'.repeat(800));
      setImmediate(() => res.end('x'.repeat(800) + '"}'));
    });
    const error = await failureOf(node.run(request));
    expect(error.details.kind).toBe('protocol');
    expect(error.message).toContain('over the size limit');
  });

  it('refuses a declared length over the limit without reading it', async () => {
    const node = await nodeAnswering((res) => {
      const body = JSON.stringify({ output: 'y'.repeat(5000) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
    const error = await failureOf(node.run(request));
    expect(error.details.kind).toBe('protocol');
  });

  it('settles with a retryable connection failure when the node cuts the body short', async () => {
    const node = await nodeAnswering((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"output":"partial');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const error = await failureOf(node.run(request));
    expect(error.details.kind).toBe('connection');
    expect(error.retryable).toBe(true);
    expect(error.message).not.toContain('secret-token');
  });
});

describe('NodeClient health and proxy limits', () => {
  it('a node without /healthz (an inference server) is healthy when GET /health answers 200', async () => {
    const paths: string[] = [];
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = req.url === '/health' ? 200 : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new NodeClient({ leaseId: 'l-2', endpoint: `http://127.0.0.1:${port}`, nodeToken: 'secret-token', connections: 1 });
    expect(await client.healthy(AbortSignal.timeout(2_000), 2_000)).toBe(true);
    expect(paths).toEqual(['/healthz', '/health']);
  });

  it("a 524 from an HTTPS proxy says the proxy's time limit cut the task", async () => {
    const c = await nodeAnswering((res) => {
      res.statusCode = 524;
      res.end('A timeout occurred');
    });
    const error = await failureOf(c.run(request));
    expect(error.status).toBe(524);
    expect(error.message).toMatch(/proxy.*time limit/);
    expect(error.message).not.toContain('secret-token');
  });
});
