/**
 * @module stdio
 * One sync session over the process's own stdin/stdout, for
 * `mycel sync serve --stdio` under systemd socket activation (`Accept=yes`,
 * `StandardInput=socket`) or inetd: the accepted socket *is* fd 0 and fd 1.
 *
 * Stdout then carries protocol bytes only. A stray `console.log` anywhere in
 * the process would be read by the peer as a frame header and break the
 * session, so while the stream is open `console.log`, `info`, `debug`, `dir`
 * and `table` are sent to stderr (the journal, under systemd) and put back on
 * close. Code that writes to `Deno.stdout` directly is not covered: don't.
 */

import { type ByteStream, joinStreams } from "./byte_stream.ts";
import { socketPeer } from "./socket_peer.ts";

/** Options of {@link openStdioStream}. */
export interface StdioStreamOptions {
  /** Send console output meant for stdout to stderr while open (default true). */
  guardConsole?: boolean;
  /** Where to read from (default `Deno.stdin`); tests pass their own. */
  stdin?: { read(buffer: Uint8Array): Promise<number | null>; close(): void };
  /** Where to write to (default `Deno.stdout`). */
  stdout?: { write(bytes: Uint8Array): Promise<number>; close(): void };
}

/** The stdio stream plus the peer's address, as systemd tells it. */
export interface StdioStream extends ByteStream {
  /** `REMOTE_ADDR:REMOTE_PORT` from systemd (`Accept=yes`), else the socket's peer (socket_peer.ts), else `"stdio"`. */
  readonly remote: string;
}

const GUARDED = ["log", "info", "debug", "dir", "table"] as const;

// Redirect the console methods that print to stdout; returns the undo.
function guardConsole(): () => void {
  const saved = GUARDED.map((name) => [name, console[name]] as const);
  const toStderr = (...args: unknown[]) => console.error(...args);
  for (const name of GUARDED) console[name] = toStderr;
  return () => {
    for (const [name, original] of saved) console[name] = original as typeof toStderr;
  };
}

// systemd sets these for each connection of an Accept=yes socket; other
// activators (inetd, systemd-socket-activate) do not: then the socket's
// own peer, as /proc tells it.
function remoteFromEnv(): string {
  try {
    const addr = Deno.env.get("REMOTE_ADDR");
    const port = Deno.env.get("REMOTE_PORT");
    if (!addr) return socketPeer(0) ?? "stdio";
    const host = addr.includes(":") ? `[${addr}]` : addr;
    return port ? `${host}:${port}` : host;
  } catch {
    // No --allow-env: the address is only used in messages.
    return "stdio";
  }
}

/**
 * A {@link ByteStream} over stdin (reads) and stdout (writes). Open it once
 * per process; `close()` closes both, which tells the peer the session ended.
 *
 * ```ts
 * const conn = new FrameConn(openStdioStream(), { maxBytes: 64 << 20 });
 * ```
 */
export function openStdioStream(options: StdioStreamOptions = {}): StdioStream {
  const undo = (options.guardConsole ?? true) ? guardConsole() : undefined;
  const stream = joinStreams(options.stdin ?? Deno.stdin, options.stdout ?? Deno.stdout, undo);
  return { ...stream, remote: remoteFromEnv() };
}
