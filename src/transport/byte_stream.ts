/**
 * @module byte_stream
 * The one shape every transport hands to {@link FrameConn}: something that can
 * read into a buffer, write bytes, and be closed. `Deno.Conn` already has it;
 * stdin/stdout and child-process pipes are two halves that {@link joinStreams}
 * puts together. Keeping the interface this small is what lets the tests drive
 * the frame reader from memory with no sockets at all.
 */

import { seconds, startTimer, timeoutError } from "../deadline.ts";
import { closedError, ioError } from "./io_errors.ts";

/**
 * A bidirectional byte stream, shaped like `Deno.Conn`.
 * `read` resolves to the number of bytes placed in `buffer`, or null at end of
 * stream; after `close()` pending and later calls must fail or return null.
 */
export interface ByteStream {
  /** Read up to `buffer.length` bytes; null at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Write some prefix of `bytes`; resolves to how many were written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Release the underlying resource. Must be safe to call more than once. */
  close(): void;
}

/**
 * Write all of `bytes` (streams may take a prefix per call), or reject with
 * `timeout` ("the peer took no data for Ns") when one call takes nothing
 * for `timeoutMs`: a peer that stops reading must not hold our write forever,
 * while a slow one that keeps taking data is not cut off however long a
 * large write takes. Other failures become MycelErrors (see {@link ioError});
 * the caller decides whether to close the stream.
 */
export async function writeAll(
  stream: ByteStream,
  bytes: Uint8Array,
  timeoutMs: number,
  peer?: string,
): Promise<void> {
  const action = "write to peer";
  const reason = `the peer took no data for ${seconds(timeoutMs)}`;
  try {
    for (let off = 0; off < bytes.length;) {
      const timer = startTimer(timeoutMs, () => timeoutError(action, reason, peer));
      let n: number;
      try {
        n = await Promise.race([stream.write(bytes.subarray(off)), timer.expired]);
      } finally {
        timer.cancel();
      }
      if (n <= 0) throw closedError(action, "the stream accepted no bytes", peer);
      off += n;
    }
  } catch (error) {
    throw ioError(error, action, peer);
  }
}

/** The reading half of a stream, e.g. `Deno.stdin`. */
export interface ByteReader {
  /** As {@link ByteStream.read}. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Release the resource, if it has one. */
  close?(): void;
}

/** The writing half of a stream, e.g. `Deno.stdout`. */
export interface ByteWriter {
  /** As {@link ByteStream.write}. */
  write(bytes: Uint8Array): Promise<number>;
  /** Release the resource, if it has one. */
  close?(): void;
}

// Closing twice, or closing a resource the runtime already dropped, throws
// BadResource; by then there is nothing left to release, so it is ignored.
function quietly(close: (() => void) | undefined): void {
  try {
    close?.();
  } catch {
    // already closed
  }
}

/**
 * One {@link ByteStream} from a reader and a writer. `close()` closes both
 * (once) and then runs `onClose`, e.g. to restore something the caller changed.
 */
export function joinStreams(
  reader: ByteReader,
  writer: ByteWriter,
  onClose?: () => void,
): ByteStream {
  let closed = false;
  return {
    read: (buffer) => reader.read(buffer),
    write: (bytes) => writer.write(bytes),
    close() {
      if (closed) return;
      closed = true;
      quietly(reader.close?.bind(reader));
      if ((writer as unknown) !== reader) quietly(writer.close?.bind(writer));
      onClose?.();
    },
  };
}

/** Close `stream`, ignoring the error of a stream that is already closed. */
export function closeQuietly(stream: { close(): void }): void {
  quietly(() => stream.close());
}
