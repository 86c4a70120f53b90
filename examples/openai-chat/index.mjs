// Purpose: call an OpenAI-compatible chat server on rented nodes (raw HTTP target), once whole and once streamed token by token.
// Run: node examples/openai-chat/index.mjs
// @ts-check
import { createCompute } from 'adaptive-compute';

// Locally, every node agent serves an emulated OpenAI-compatible
// `/v1/chat/completions`; on a real marketplace the image would be your inference
// server (vLLM, TGI, llama.cpp server...) and this code would not change.
const compute = createCompute({ budget: { maxPerHour: 5, total: 1 } });

const chat = compute.workload('chat', {
  gpu: { model: ['L4', 'L40S'], interruptible: 'never' },
  image: 'vllm/vllm-openai:latest',
  // Forward each input as this request's body and return the response body as is.
  request: { method: 'POST', path: '/v1/chat/completions' },
  scaling: { minNodes: 0, maxNodes: 2, concurrencyPerNode: 8, latencyTargetMs: 3_000 },
  timeoutMs: 60_000,
});

/**
 * @typedef {{ choices: { message: { content: string }, finish_reason: string }[], usage: { prompt_tokens: number, completion_tokens: number } }} ChatCompletion
 * @typedef {{ choices: { delta: { content?: string }, finish_reason: string | null }[] }} ChatChunk
 */

const request = {
  model: 'local-llm',
  messages: [
    { role: 'system', content: 'You are a concise assistant.' },
    { role: 'user', content: 'Why rent GPUs only when the queue needs them?' },
  ],
  max_tokens: 24,
  // The same seed and messages give the same answer, streamed or not.
  seed: 42,
};

try {
  const whole = /** @type {ChatCompletion} */ (await chat.run(request));
  const answer = whole.choices[0]?.message.content ?? '';
  console.log(`answer (${whole.usage.completion_tokens} tokens, ${whole.choices[0]?.finish_reason}): ${answer}`);

  // stream(): one server-sent event at a time; `[DONE]` ends it. Breaking out of the
  // loop (or an AbortSignal) closes the stream and frees the node's slot.
  process.stdout.write('streamed: ');
  let streamed = '';
  let chunks = 0;
  for await (const chunk of chat.stream({ ...request, stream: true })) {
    const delta = /** @type {ChatChunk} */ (chunk).choices[0]?.delta.content ?? '';
    streamed += delta;
    chunks++;
    process.stdout.write(delta);
  }
  process.stdout.write(`\n(${chunks} chunks)\n`);
  if (streamed !== answer) throw new Error('the streamed answer differs from the whole one');
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await compute.shutdown();
}
