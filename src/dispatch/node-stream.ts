/**
 * A streamed response from a node, handed to the caller once its first chunk has
 * arrived (so that a failure before any output is still retried on another node).
 * It holds the node slot until it is read to the end or closed.
 */

/** Raw body chunks of a streaming node response, first one already received. */
export class NodeStream implements AsyncIterable<Buffer> {
  private closed = false;
  private failure: Error | undefined;
  private readonly closers: (() => void)[] = [];

  constructor(
    /** The response's content type (`text/event-stream` for SSE). */
    readonly contentType: string,
    private readonly first: Buffer | undefined,
    private readonly rest: AsyncIterator<Buffer>,
    private readonly abort: () => void,
  ) {}

  /** Run `fn` once when the stream ends or is closed (the dispatcher frees the slot). */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closers.push(fn);
  }

  /** Stop reading: the connection is dropped and the slot freed. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.abort();
    this.finish();
  }

  /** Stop the stream because of `error` (its deadline passed): the reader gets `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      if (this.failure) throw this.failure;
      if (this.first !== undefined) yield this.first;
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await this.rest.next();
        } catch (error) {
          throw this.failure ?? error;
        }
        if (this.failure) throw this.failure;
        if (next.done) return;
        yield next.value;
      }
    } finally {
      this.close();
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closers.splice(0)) fn();
  }
}
