/**
 * @module io_errors
 * Runtime I/O errors turned into MycelErrors with stable codes, so the sync
 * code can tell "the peer went away" from "we closed it" from "the OS said
 * something else" without matching on message text. Only public values (the
 * peer's address, byte counts) ever go into the message.
 */

import { isMycelError, MycelError } from "../errors.ts";

/** The connection ended (or was closed) before the expected bytes came. */
export function closedError(action: string, reason: string, peer?: string): MycelError {
  return new MycelError("connection_closed", action, reason, { value: peer });
}

/** A frame to send is over the frame size cap. */
export function frameTooLargeError(length: number, max: number): MycelError {
  return new MycelError("frame_too_large", "write frame", `it is over ${max} bytes`, {
    value: `${length} bytes`,
  });
}

/** The peer sent more than the connection's byte budget allows. */
export function overBudgetError(maxBytes: number, peer?: string): MycelError {
  const reason = "the peer sent more than this connection allows";
  return new MycelError("too_much_data", "read from peer", reason, {
    value: peer ? `${maxBytes} bytes from ${peer}` : `${maxBytes} bytes`,
  });
}

/**
 * Map a runtime error from `read`/`write` to a MycelError. MycelErrors pass
 * through; a reset or broken pipe means the peer left, BadResource or
 * Interrupted mean the stream was closed on our side (usually by a deadline).
 */
export function ioError(error: unknown, action: string, peer?: string): MycelError {
  if (isMycelError(error)) return error;
  const E = Deno.errors;
  if (
    error instanceof E.ConnectionReset || error instanceof E.ConnectionAborted ||
    error instanceof E.BrokenPipe || error instanceof E.UnexpectedEof
  ) {
    return new MycelError("connection_closed", action, "the peer reset the connection", {
      value: peer,
      cause: error,
    });
  }
  if (error instanceof E.BadResource || error instanceof E.Interrupted) {
    return new MycelError("connection_closed", action, "the connection was closed", {
      value: peer,
      cause: error,
    });
  }
  if (error instanceof E.TimedOut) {
    return new MycelError("timeout", action, "the operating system timed the connection out", {
      value: peer,
      cause: error,
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new MycelError("io_error", action, reason, { value: peer, cause: error });
}
