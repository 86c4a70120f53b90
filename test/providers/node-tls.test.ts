/**
 * Part 4 and 7 of the providers issue: a node started with nothing but env serves
 * https with a certificate it builds from a 43-character key, and the SDK's pinned
 * connection reaches it only when the key is the one pinned for the lease. A node
 * presenting another key never receives a request (so never sees the node token).
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeClient } from '../../src/dispatch/node-client.js';
import { generateNodeTlsKey, nodeKeyFromSecret, spkiPin } from '../../src/providers/tls/node-key.js';
import { selfSignedCertificate } from '../../src/providers/tls/self-signed.js';
import { spawnAgent, type AgentProcess } from '../support/agent-process.js';

const agents: AgentProcess[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

const healthy = (client: NodeClient): Promise<boolean> => client.healthy(AbortSignal.timeout(5_000), 5_000);

describe('per-lease node TLS key', () => {
  it('fits one Vast env entry, rebuilds the same key on the node, and makes a certificate carrying it', () => {
    const key = generateNodeTlsKey();
    expect(key.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rebuilt = nodeKeyFromSecret(key.secret);
    expect(spkiPin(createPublicKey(rebuilt))).toBe(key.pin);
    const cert = new X509Certificate(selfSignedCertificate(rebuilt));
    expect(spkiPin(cert.publicKey)).toBe(key.pin);
    expect(cert.checkPrivateKey(rebuilt)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true); // self-signed: its signature checks out with its own key
    expect(cert.subject).toContain('adaptive-compute-node');
    expect(generateNodeTlsKey().pin).not.toBe(key.pin);
  });

  it('refuses a scalar that is not a P-256 key, naming the env variable', () => {
    for (const bad of ['', 'abc', 'A'.repeat(43) + '=', Buffer.alloc(32).toString('base64url')]) {
      expect(() => nodeKeyFromSecret(bad)).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('ADAPTIVE_COMPUTE_TLS_KEY') }));
    }
  });
});

describe('an agent configured by env only, reached over pinned TLS', () => {
  it('serves https on PORT; the pinned client runs a task with the node token', async () => {
    const key = generateNodeTlsKey();
    const node = await spawnAgent({ ADAPTIVE_COMPUTE_NODE_TOKEN: 'ntok-tls-1', ADAPTIVE_COMPUTE_TLS_KEY: key.secret });
    agents.push(node);
    expect(node.scheme).toBe('https');
    const client = new NodeClient({ leaseId: 'l1', endpoint: `https://127.0.0.1:${node.port}`, nodeToken: 'ntok-tls-1', connections: 1, tlsPin: key.pin });
    try {
      expect(await healthy(client)).toBe(true);
      expect(await client.run({ workload: 'w', input: { x: 1 }, taskId: 't1' })).toEqual({ echo: { x: 1 } });
    } finally {
      await client.close();
    }
    // The same node with another pin: refused before anything is sent.
    const wrong = new NodeClient({ leaseId: 'l1', endpoint: `https://127.0.0.1:${node.port}`, nodeToken: 'ntok-tls-1', connections: 1, tlsPin: generateNodeTlsKey().pin });
    try {
      expect(await healthy(wrong)).toBe(false);
      await expect(wrong.run({ workload: 'w', input: 1, taskId: 't2' })).rejects.toMatchObject({ code: 'NODE_FAILED' });
    } finally {
      await wrong.close();
    }
  });

  it('sends no byte of a request to a node presenting another key', async () => {
    const impostor = nodeKeyFromSecret(generateNodeTlsKey().secret);
    let requests = 0;
    const server = createServer({ key: impostor.export({ type: 'pkcs8', format: 'pem' }), cert: selfSignedCertificate(impostor) }, (_req, res) => {
      requests++;
      res.end('{"ready":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const pinned = generateNodeTlsKey().pin;
    const client = new NodeClient({ leaseId: 'l2', endpoint: `https://127.0.0.1:${port}`, nodeToken: 'ntok-secret', connections: 1, tlsPin: pinned });
    try {
      expect(await healthy(client)).toBe(false);
      await expect(client.run({ workload: 'w', input: 1, taskId: 't' })).rejects.toBeDefined();
      expect(requests).toBe(0);
      // Sanity: the same server does answer a client that pins its real key.
      const genuine = new NodeClient({ leaseId: 'l2', endpoint: `https://127.0.0.1:${port}`, nodeToken: 'x', connections: 1, tlsPin: spkiPin(createPublicKey(impostor)) });
      expect(await healthy(genuine)).toBe(true);
      await genuine.close();
      expect(requests).toBe(1);
    } finally {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a pinned node is never reached over plain http', async () => {
    const node = await spawnAgent({ ADAPTIVE_COMPUTE_NODE_TOKEN: 'ntok-2' });
    agents.push(node);
    expect(node.scheme).toBe('http');
    const client = new NodeClient({ leaseId: 'l3', endpoint: `http://127.0.0.1:${node.port}`, nodeToken: 'ntok-2', connections: 1, tlsPin: generateNodeTlsKey().pin });
    expect(await healthy(client)).toBe(false);
    await client.close();
  });
});
