/**
 * Messages a node agent sends its marketplace over the IPC channel. The channel is
 * also how an agent notices that the marketplace died: it closes ('disconnect'),
 * even after a `kill -9`.
 */

/** The agent serves on `port`. */
export interface AgentListening {
  type: 'listening';
  port: number;
}

/** The agent could not start (bad handler module...). `message` carries no secret. */
export interface AgentFailed {
  type: 'failed';
  message: string;
}

/** Anything an agent sends. */
export type AgentMessage = AgentListening | AgentFailed;

/** Environment variable carrying the node token (never a command-line flag: `ps` shows those). */
export const NODE_TOKEN_ENV = 'ADAPTIVE_COMPUTE_NODE_TOKEN';

/** Narrow an IPC message. */
export function isAgentMessage(value: unknown): value is AgentMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (m.type === 'listening' && typeof m.port === 'number') || (m.type === 'failed' && typeof m.message === 'string');
}
