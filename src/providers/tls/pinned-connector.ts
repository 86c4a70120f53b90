/**
 * An undici connector that talks TLS to a node with a self-signed certificate and
 * trusts it only when the certificate carries the pinned public key. The check runs
 * after the handshake and before undici gets the socket, so a node presenting any
 * other key never sees a byte of a request (no token, no task data).
 */
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { certificatePin } from './node-key.js';

/** Error code of a connection refused for presenting another key than the pinned one. */
export const PIN_MISMATCH = 'ADAPTIVE_COMPUTE_TLS_PIN_MISMATCH';

/** A connector for undici's `connect` option that requires `pin` (see `NodeTlsKey.pin`). */
export function pinnedConnector(pin: string, timeoutMs = 10_000): buildConnector.connector {
  // Chain and name checks cannot pass for a self-signed node certificate; the pin
  // replaces them. No session cache: every connection shows its certificate again.
  const connect = buildConnector({ rejectUnauthorized: false, maxCachedSessions: 0, timeout: timeoutMs });
  return (options, callback) => {
    if (options.protocol !== 'https:') {
      callback(pinError('a pinned node must be reached over https'), null);
      return;
    }
    connect(options, (error, socket) => {
      if (error || !socket) {
        callback(error ?? pinError('no socket'), null);
        return;
      }
      const certificate = (socket as TLSSocket).getPeerX509Certificate?.();
      if (!certificate || certificatePin(certificate) !== pin) {
        socket.destroy();
        callback(pinError('the node presented another TLS key than the one pinned for its lease'), null);
        return;
      }
      callback(null, socket);
    });
  };
}

function pinError(message: string): Error {
  const error = new Error(message);
  Object.defineProperty(error, 'code', { value: PIN_MISMATCH, enumerable: true });
  return error;
}
