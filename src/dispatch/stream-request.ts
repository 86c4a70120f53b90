/**
 * Marks a queued input as a streaming request: the dispatcher answers it with a
 * NodeStream instead of a parsed body. A wrapper keeps the task record itself small.
 */

/** An input whose answer is streamed. */
export class StreamRequest {
  constructor(
    /** The caller's input, sent as the request body. */
    readonly input: unknown,
  ) {}
}
