/**
 * How `adaptive-compute agent` reads its settings from the environment, so that a
 * provider can start it as a container's command with no flags at all. A flag, when
 * given, wins over its variable. Secrets (node token, TLS key) are read once and
 * removed from `process.env`, so the handler (user code) never sees them.
 */
import { readFileSync } from 'node:fs';
import { NODE_TOKEN_ENV } from '../local/agent/ipc.js';
import { NODE_TLS_KEY_ENV, nodeKeyFromSecret } from '../providers/tls/node-key.js';
import { selfSignedCertificate } from '../providers/tls/self-signed.js';
import { isComputeError } from '../errors.js';
import { UsageError } from './command.js';

/** The node's environment contract (see docs/providers.md). */
export const AGENT_ENV = {
  token: NODE_TOKEN_ENV,
  port: 'PORT',
  host: 'ADAPTIVE_COMPUTE_HOST',
  handler: 'ADAPTIVE_COMPUTE_HANDLER',
  slots: 'ADAPTIVE_COMPUTE_SLOTS',
  lease: 'ADAPTIVE_COMPUTE_LEASE_ID',
  tlsKey: NODE_TLS_KEY_ENV,
  tlsCertFile: 'ADAPTIVE_COMPUTE_TLS_CERT_FILE',
  tlsKeyFile: 'ADAPTIVE_COMPUTE_TLS_KEY_FILE',
} as const;

/** The port a node listens on when neither `--port` nor `PORT` says: the container port the provider adapters publish. */
export const DEFAULT_NODE_PORT = 8000;

/** Settings that come from flags or, failing those, from env. */
export interface AgentEnvSettings {
  handler: string;
  slots: number;
  host: string;
  port: number;
  lease: string;
  /** PEM key and certificate to serve https with, or undefined for plain http. */
  tls: { key: string; cert: string } | undefined;
}

/** Flags that may be absent (then env decides). */
export interface AgentFlagOverrides {
  handler?: string | undefined;
  slots?: number | undefined;
  host?: string | undefined;
  port?: number | undefined;
  lease?: string | undefined;
}

/** Resolve the agent's settings from `flags` and `env`; consumes the TLS secrets from `env`. */
export function agentSettingsFromEnv(flags: AgentFlagOverrides, env: NodeJS.ProcessEnv): AgentEnvSettings {
  const text = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return n;
  };
  return {
    handler: flags.handler ?? text(AGENT_ENV.handler) ?? 'echo',
    slots: flags.slots ?? int(AGENT_ENV.slots, 1, 1024) ?? 4,
    // In a container the provider maps traffic to the container's interface, not its loopback.
    host: flags.host ?? text(AGENT_ENV.host) ?? '0.0.0.0',
    port: flags.port ?? int(AGENT_ENV.port, 0, 65_535) ?? DEFAULT_NODE_PORT,
    lease: flags.lease ?? text(AGENT_ENV.lease) ?? 'standalone',
    tls: tlsFromEnv(env),
  };
}

function tlsFromEnv(env: NodeJS.ProcessEnv): { key: string; cert: string } | undefined {
  const secret = env[AGENT_ENV.tlsKey];
  const certFile = env[AGENT_ENV.tlsCertFile];
  const keyFile = env[AGENT_ENV.tlsKeyFile];
  delete env[AGENT_ENV.tlsKey];
  if (secret !== undefined && secret.trim() !== '') {
    try {
      const key = nodeKeyFromSecret(secret.trim());
      return { key: key.export({ type: 'pkcs8', format: 'pem' }) as string, cert: selfSignedCertificate(key) };
    } catch (error) {
      throw isComputeError(error) ? new UsageError(error.message) : error;
    }
  }
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new UsageError(`set both ${AGENT_ENV.tlsCertFile} and ${AGENT_ENV.tlsKeyFile}, or neither`);
  }
  try {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } catch (error) {
    throw new UsageError(`cannot read the TLS certificate or key file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
