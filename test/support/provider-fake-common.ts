/**
 * Pieces both provider fakes share: a JSON answer, a body reader, a request log
 * for contract assertions, per-second billing of instances, and a real agent
 * process per instance started with the env its creation request carried.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { spawnAgent, type AgentProcess } from './agent-process.js';

/** One request as the fake saw it. */
export interface LoggedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

/** Send a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Read and parse a JSON body (undefined when empty, the raw text when not JSON). */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A node of a fake instance: a real agent process, or a failure to start one. */
export class FakeNode {
  agent: AgentProcess | undefined;
  failed = false;
  readonly ready: Promise<void>;

  /** @param cli the package's dist/cli.js to run (default: this repository's) */
  constructor(env: Record<string, string>, cli?: string) {
    this.ready = spawnAgent(env, [], 20_000, cli).then(
      (agent) => {
        this.agent = agent;
      },
      () => {
        this.failed = true;
      },
    );
  }

  /** Stop the process (waits for its exit). */
  async stop(): Promise<void> {
    await this.ready;
    await this.agent?.stop();
  }
}

/** Seconds billed between two instants (per second, rounded up). */
export function billedSeconds(fromMs: number, toMs: number): number {
  return Math.ceil(Math.max(0, toMs - fromMs) / 1000);
}
