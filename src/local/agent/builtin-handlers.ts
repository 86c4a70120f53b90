/**
 * Built-in node agent handlers:
 * - `echo`: `{ echo: input }`, busy `input.ms` ms when given (the same contract as
 *   the `testing` fake's default, so tests can swap marketplaces);
 * - `sleep`: busy `input.ms` ms, returns `{ sleptMs }`;
 * - `tokens`: LLM-shaped work. Busy `baseMs + msPerInputToken * in + msPerOutputToken * out`
 *   where `in` / `out` come from `input.inputTokens` / `input.outputTokens` (or the
 *   prompt's length / `maxTokens`); returns `out` words of generated text.
 */
import type { AgentHandler } from './handler-types.js';
import type { BuiltinHandlerName } from './handler-spec.js';
import { fakeText } from './fake-text.js';

/** Service-time model of the `tokens` handler. */
export interface TokensModel {
  /** Fixed cost per request, ms. */
  baseMs: number;
  /** Prefill cost per input token, ms. */
  msPerInputToken: number;
  /** Decode cost per output token, ms. */
  msPerOutputToken: number;
}

/** Defaults of the `tokens` model: roughly a mid-size model on one GPU, per sequence. */
export const DEFAULT_TOKENS_MODEL: TokensModel = { baseMs: 30, msPerInputToken: 0.05, msPerOutputToken: 4 };

/** Longest generated answer, tokens (keeps responses small). */
const MAX_OUTPUT_TOKENS = 8_192;

type Fields = Record<string, unknown>;

const fields = (input: unknown): Fields => (typeof input === 'object' && input !== null ? (input as Fields) : {});

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The built-in handler called `name`; `model` sets the `tokens` defaults. */
export function builtinHandler(name: BuiltinHandlerName, model: TokensModel = DEFAULT_TOKENS_MODEL): AgentHandler {
  switch (name) {
    case 'echo':
      return (input) => ({ output: { echo: input }, serviceMs: count(fields(input).ms) ?? 0 });
    case 'sleep':
      return (input) => {
        const ms = count(fields(input).ms) ?? 0;
        return { output: { sleptMs: ms }, serviceMs: ms };
      };
    case 'tokens':
      return (input, ctx) => {
        const f = fields(input);
        const prompt = typeof f.prompt === 'string' ? f.prompt : '';
        const inTokens = Math.round(count(f.inputTokens) ?? Math.ceil(prompt.length / 4));
        const outTokens = Math.min(MAX_OUTPUT_TOKENS, Math.round(count(f.outputTokens) ?? count(f.maxTokens) ?? 16));
        const serviceMs =
          (count(f.baseMs) ?? model.baseMs) +
          (count(f.msPerInputToken) ?? model.msPerInputToken) * inTokens +
          (count(f.msPerOutputToken) ?? model.msPerOutputToken) * outTokens;
        const text = fakeText(ctx.seed, ctx.taskId, outTokens);
        return { output: { text, inputTokens: inTokens, outputTokens: outTokens, serviceMs }, serviceMs };
      };
  }
}
