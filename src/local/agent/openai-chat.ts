/**
 * The emulated OpenAI-compatible chat completion of a local node agent, as pure
 * functions: the request schema, token counts, the generated answer and the
 * response shapes. The answer depends only on the request (model, messages,
 * `seed`) and the marketplace seed, never on the task id, so that a streamed
 * answer joins to exactly the non-streamed one and a retried request answers alike.
 */
import { z } from 'zod';
import { hashSeed } from '../random.js';
import type { TokensModel } from './builtin-handlers.js';
import { fakeText } from './fake-text.js';

/** Model name answered when the request names none. */
export const EMULATED_MODEL = 'adaptive-compute-emulated';

/** Output tokens when the request sets neither `max_tokens` nor `max_completion_tokens`. */
export const DEFAULT_CHAT_OUTPUT_TOKENS = 16;

/** Longest answer generated, tokens (keeps responses and streams small). */
const MAX_CHAT_OUTPUT_TOKENS = 8_192;

/** Framing tokens counted per message besides its text (roughly what chat templates add). */
const TOKENS_PER_MESSAGE = 4;

const positiveInt = z.number().int().positive().nullish();

/** One chat message; text may be a string or an array of content parts. */
const ChatMessageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional(),
});

/** The fields of an OpenAI chat completion request the emulation reads; others are accepted and ignored. */
export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  messages: z.array(ChatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: positiveInt,
  max_completion_tokens: positiveInt,
  seed: z.number().int().nullish(),
  // One choice only: `n > 1` would need distinct answers the emulation does not model.
  n: z.literal(1).nullish(),
});

/** A parsed chat completion request. */
export type ChatCompletionRequest = z.output<typeof ChatCompletionRequestSchema>;

/** What the emulated model answers, before it is shaped as a response or a stream. */
export interface ChatAnswer {
  model: string;
  /** Output tokens in order; joined they are the answer's content. */
  tokens: string[];
  promptTokens: number;
  /** `length` when a max token count cut the answer, `stop` otherwise. */
  finishReason: 'stop' | 'length';
  /** Time to the first token (fixed cost + prefill), ms. */
  firstTokenMs: number;
  /** Time per further output token (decode), ms. */
  msPerOutputToken: number;
}

/** Total emulated GPU time of an answer, ms: first token, then one decode step per token. */
export function serviceMs(answer: ChatAnswer): number {
  return answer.firstTokenMs + answer.msPerOutputToken * answer.tokens.length;
}

/** Text of a message's content: a string, or the `text` of its text parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('');
}

/** Estimated prompt tokens: about four characters per token, plus framing per message. */
export function estimatePromptTokens(messages: ChatCompletionRequest['messages']): number {
  let tokens = 0;
  for (const message of messages) tokens += TOKENS_PER_MESSAGE + Math.ceil(contentText(message.content).length / 4);
  return tokens;
}

/**
 * Compute the answer to `request`.
 * @param seed the marketplace seed (the same on every node of a marketplace).
 * @param model the node's service-time model (the `tokens` handler's).
 */
export function answerChat(request: ChatCompletionRequest, seed: number, model: TokensModel): ChatAnswer {
  const limit = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const count = Math.min(MAX_CHAT_OUTPUT_TOKENS, limit ?? DEFAULT_CHAT_OUTPUT_TOKENS);
  const name = request.model ?? EMULATED_MODEL;
  // Everything that makes two requests "the same" for a real model, nothing else.
  const key = String(hashSeed(name, JSON.stringify(request.messages), request.seed ?? 0));
  const words = fakeText(seed, key, count).split(' ');
  const tokens = words.map((word, i) => (i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : ` ${word}`));
  const promptTokens = estimatePromptTokens(request.messages);
  return {
    model: name,
    tokens,
    promptTokens,
    finishReason: limit !== undefined && count >= limit ? 'length' : 'stop',
    firstTokenMs: model.baseMs + model.msPerInputToken * promptTokens,
    msPerOutputToken: model.msPerOutputToken,
  };
}

/** Identity of one response: shared by all chunks of a stream. */
export interface ChatResponseMeta {
  id: string;
  /** Unix seconds. */
  created: number;
}

function usage(answer: ChatAnswer): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  return { prompt_tokens: answer.promptTokens, completion_tokens: answer.tokens.length, total_tokens: answer.promptTokens + answer.tokens.length };
}

/** The non-streaming response body (`object: 'chat.completion'`). */
export function chatCompletion(answer: ChatAnswer, meta: ChatResponseMeta): unknown {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: answer.model,
    choices: [{ index: 0, message: { role: 'assistant', content: answer.tokens.join('') }, logprobs: null, finish_reason: answer.finishReason }],
    usage: usage(answer),
  };
}

/** What one stream chunk carries. */
export type ChunkPart = { kind: 'role' } | { kind: 'token'; text: string } | { kind: 'finish' } | { kind: 'usage' };

/** One streaming chunk (`object: 'chat.completion.chunk'`), as OpenAI sends them. */
export function chatCompletionChunk(answer: ChatAnswer, meta: ChatResponseMeta, part: ChunkPart): unknown {
  const base = { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: answer.model };
  switch (part.kind) {
    case 'role':
      return { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] };
    case 'token':
      return { ...base, choices: [{ index: 0, delta: { content: part.text }, logprobs: null, finish_reason: null }] };
    case 'finish':
      return { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: answer.finishReason }] };
    case 'usage':
      return { ...base, choices: [], usage: usage(answer) };
  }
}

/** OpenAI's error envelope, so that OpenAI clients show the message. */
export function openAiError(message: string, param: string | null, code: string): unknown {
  return { error: { message, type: 'invalid_request_error', param, code } };
}
