/**
 * The node agent's emulated OpenAI-compatible endpoint, so that raw HTTP targets
 * (`request: { method: 'POST', path: '/v1/chat/completions' }`) and `stream()` run
 * for real against the local marketplace:
 *
 * - `POST /v1/chat/completions`: one slot of the emulated GPU for the token model's
 *   service time; with `stream: true`, server-sent events: a role chunk after the
 *   time to first token, one chunk per output token at the decode rate, a finish
 *   chunk, an optional usage chunk (`stream_options.include_usage`), `data: [DONE]`;
 * - `GET /v1/models`: the model the node answers as (no slot).
 */
import type { ServerResponse } from 'node:http';
import { sleep } from '../../clock.js';
import { hashSeed } from '../random.js';
import { sendJson } from '../market/http-util.js';
import type { TokensModel } from './builtin-handlers.js';
import type { NodeRoute, NodeRouteContext } from './node-server.js';
import {
  answerChat,
  chatCompletion,
  chatCompletionChunk,
  ChatCompletionRequestSchema,
  EMULATED_MODEL,
  openAiError,
  serviceMs,
} from './openai-chat.js';
import type { ChatAnswer, ChatResponseMeta, ChunkPart } from './openai-chat.js';

/** Settings of the OpenAI-compatible routes. */
export interface OpenAiRouteOptions {
  /** Marketplace seed: the same answers on every node. */
  seed: number;
  /** Service-time model (the agent's `tokens` model). */
  tokens: TokensModel;
}

/** `POST /v1/chat/completions` and `GET /v1/models`. */
export function openAiRoutes(options: OpenAiRouteOptions): NodeRoute[] {
  let served = 0;
  const chat: NodeRoute = {
    method: 'POST',
    path: '/v1/chat/completions',
    serve: async (body, res, ctx) => {
      const parsed = ChatCompletionRequestSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const param = issue?.path.map(String).join('.') || null;
        return sendJson(res, 400, openAiError(`invalid request at ${param ?? '(body)'}: ${issue?.message ?? 'invalid'}`, param, 'invalid_request'));
      }
      const answer = answerChat(parsed.data, options.seed, options.tokens);
      served += 1;
      // Unique per request (the task id when the SDK sent one), with no randomness.
      const meta: ChatResponseMeta = {
        id: `chatcmpl-${hashSeed(ctx.leaseId, ctx.taskId ?? `#${served}`).toString(16).padStart(8, '0')}`,
        created: Math.floor(ctx.clock.now() / 1000),
      };
      if (parsed.data.stream === true) return streamAnswer(res, answer, meta, parsed.data.stream_options?.include_usage === true, ctx);
      await sleep(ctx.clock, serviceMs(answer), ctx.signal);
      sendJson(res, 200, chatCompletion(answer, meta));
    },
  };
  const models: NodeRoute = {
    method: 'GET',
    path: '/v1/models',
    usesSlot: false,
    serve: async (_body, res, ctx) => {
      const model = { id: EMULATED_MODEL, object: 'model', created: Math.floor(ctx.clock.now() / 1000), owned_by: 'adaptive-compute' };
      sendJson(res, 200, { object: 'list', data: [model] });
    },
  };
  return [chat, models];
}

/** Send the answer as server-sent events, paced like a GPU decoding token by token. */
async function streamAnswer(res: ServerResponse, answer: ChatAnswer, meta: ChatResponseMeta, includeUsage: boolean, ctx: NodeRouteContext): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  const start = ctx.clock.now();
  // Wait until `offsetMs` after the start (not `offsetMs` after the last write), so
  // the stream ends at the same service time as the non-streaming answer.
  const at = async (offsetMs: number): Promise<void> => {
    const rest = start + offsetMs - ctx.clock.now();
    if (rest > 0) await sleep(ctx.clock, rest, ctx.signal);
  };
  const send = (part: ChunkPart): Promise<void> => write(res, `data: ${JSON.stringify(chatCompletionChunk(answer, meta, part))}\n\n`, ctx.signal);
  await at(answer.firstTokenMs);
  await send({ kind: 'role' });
  for (let i = 0; i < answer.tokens.length; i++) {
    await at(answer.firstTokenMs + answer.msPerOutputToken * (i + 1));
    await send({ kind: 'token', text: answer.tokens[i] ?? '' });
  }
  await send({ kind: 'finish' });
  if (includeUsage) await send({ kind: 'usage' });
  await write(res, 'data: [DONE]\n\n', ctx.signal);
  res.end();
}

/** Write, waiting for 'drain' when the client reads slower than we write (backpressure). */
function write(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new Error('client went away'));
  if (res.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      res.off('drain', onDrain);
      reject(new Error('client went away'));
    };
    const onDrain = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    res.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
