/**
 * @module web_streams
 * A {@link ByteStream} over a WHATWG readable/writable pair, such as the
 * stdout/stdin pipes of a child started with `Deno.Command` (how the tests
 * talk to a `--stdio` server, and how a future `ssh host mycel sync serve
 * --stdio` transport would). Web streams hand out chunks of their own size, so
 * the part of a chunk that does not fit the caller's buffer is kept for the
 * next read.
 */

import type { ByteStream } from "./byte_stream.ts";

/**
 * Adapt `readable` and `writable` (both locked until `close()`).
 * `close()` cancels the readable side and closes the writable side, which the
 * other end sees as end of stream.
 */
export function fromWebStreams(
  readable: ReadableStream<Uint8Array>,
  writable: WritableStream<Uint8Array>,
): ByteStream {
  const reader = readable.getReader();
  const writer = writable.getWriter();
  let left: Uint8Array = new Uint8Array(0);
  let closed = false;
  return {
    async read(buffer) {
      if (closed) throw new Deno.errors.BadResource("the stream is closed");
      while (left.length === 0) {
        const { done, value } = await reader.read();
        if (done) return null;
        left = value;
      }
      const n = Math.min(buffer.length, left.length);
      buffer.set(left.subarray(0, n));
      left = left.subarray(n);
      return n;
    },
    async write(bytes) {
      if (closed) throw new Deno.errors.BadResource("the stream is closed");
      // The writer may keep the chunk until it is flushed: give it a copy.
      await writer.write(bytes.slice());
      return bytes.length;
    },
    close() {
      if (closed) return;
      closed = true;
      // Both settle on their own; a failure here only means it was already gone.
      reader.cancel().catch(() => undefined);
      writer.close().catch(() => undefined);
    },
  };
}
