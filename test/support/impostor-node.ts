/**
 * A node that presents another TLS key than the one its lease was given: a host
 * answering in a node's name. An https server with a key of its own that answers
 * anything and counts every HTTP request it receives; a pinned client sends none
 * (the handshake shows the wrong key before a byte of a request leaves).
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateNodeTlsKey, nodeKeyFromSecret } from '../../src/providers/tls/node-key.js';
import { selfSignedCertificate } from '../../src/providers/tls/self-signed.js';
import type { InstanceNode } from './provider-fake-common.js';

/** What a provider fake runs for an instance whose node is an impostor. */
export class ImpostorNode implements InstanceNode {
  agent: { port: number } | undefined;
  readonly failed = false;
  readonly ready: Promise<void>;
  /** HTTP requests received. */
  requests = 0;
  readonly #server: Server;

  constructor() {
    const key = nodeKeyFromSecret(generateNodeTlsKey().secret);
    this.#server = createServer({ key: key.export({ type: 'pkcs8', format: 'pem' }), cert: selfSignedCertificate(key) }, (_req, res) => {
      this.requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ready":true}');
    });
    this.ready = new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve)).then(() => {
      this.agent = { port: (this.#server.address() as AddressInfo).port };
    });
  }

  /** Stop listening and drop open connections. */
  async stop(): Promise<void> {
    await this.ready;
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
