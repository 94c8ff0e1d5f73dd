/**
 * @module tcp
 * Plain TCP for sync: dialing a peer's known endpoint with a connect timeout
 * (the listener for `mycel sync serve --listen` is in tcp_listener.ts). Failures are sorted into the
 * few cases a user can act on (nothing listening, no route, too slow, name not
 * found), each naming the `host:port` tried. Nagle is off: the protocol sends
 * small frames and waits for answers, which is exactly what Nagle delays.
 */

import { type ErrorCode, MycelError } from "../errors.ts";
import { type ByteStream, closeQuietly } from "./byte_stream.ts";
import { checkTimeout, seconds, startTimer, timeoutError } from "../deadline.ts";
import { ioError } from "./io_errors.ts";

/** A TCP connection as a {@link ByteStream}, with both addresses for messages. */
export interface TcpStream extends ByteStream {
  /** The peer as `host:port` (IPv6 in brackets). */
  readonly remote: string;
  /** Our end as `host:port`. */
  readonly local: string;
}

/** Test seam of {@link connectTcp}: how to open the socket (default `Deno.connect`). */
export interface ConnectTcpOptions {
  /** Replaces `Deno.connect`; must honour `signal`. */
  dial?: (options: Deno.ConnectOptions & { transport: "tcp" }) => Promise<Deno.TcpConn>;
  /** Gives up at once when this fires (Ctrl-C), as when the time is up. */
  signal?: AbortSignal;
}

/** `host:port`, with IPv6 literals in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Throw `bad_address` unless `port` is a whole number 0-65535. */
export function checkPort(port: number, action: string, host: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MycelError("bad_address", action, "the port must be a whole number 0-65535", {
      value: formatAddress(host, port),
    });
  }
}

/** A `Deno.TcpConn` as a {@link TcpStream}, with Nagle turned off. */
export function wrapTcpConn(conn: Deno.TcpConn): TcpStream {
  try {
    conn.setNoDelay(true);
  } catch {
    // Only an optimisation; a socket that refuses it still works.
  }
  const addr = (a: Deno.NetAddr) => formatAddress(a.hostname, a.port);
  return {
    remote: addr(conn.remoteAddr),
    local: addr(conn.localAddr),
    read: (buffer) => conn.read(buffer),
    write: (bytes) => conn.write(bytes),
    close: () => closeQuietly(conn),
  };
}

/**
 * Sort a connect failure into `connection_refused`, `unreachable`, `timeout`,
 * `dns` or `io_error`, naming `address`. Exported for tests.
 */
export function connectError(error: unknown, address: string): MycelError {
  const action = "connect to peer";
  const E = Deno.errors;
  const text = error instanceof Error ? error.message : String(error);
  const make = (code: ErrorCode, reason: string, hint?: string) =>
    new MycelError(code, action, reason, { value: address, hint, cause: error });
  if (error instanceof E.ConnectionRefused) {
    return make(
      "connection_refused",
      "nothing is listening there",
      "Is mycel serving on the peer?",
    );
  }
  if (error instanceof E.NetworkUnreachable || /unreachable|no route to host/i.test(text)) {
    return make("unreachable", "there is no route to that address", "Check the network or VPN.");
  }
  if (error instanceof E.TimedOut) return make("timeout", "the connection attempt timed out");
  if (error instanceof URIError || /lookup address|name or service|resolve|nodename/i.test(text)) {
    return make("dns", "the host name could not be resolved", "Check the spelling of the host.");
  }
  return ioError(error, action, address);
}

/**
 * Open a TCP connection to `host:port`, giving up after `timeoutMs` with a
 * `timeout` error. Other failures: see {@link connectError}.
 */
export async function connectTcp(
  host: string,
  port: number,
  timeoutMs: number,
  options: ConnectTcpOptions = {},
): Promise<TcpStream> {
  checkTimeout(timeoutMs, "connect timeout");
  const address = formatAddress(host, port);
  checkPort(port, "connect to peer", host);
  const dial = options.dial ?? Deno.connect;
  const abort = new AbortController();
  const timer = startTimer(
    timeoutMs,
    () => timeoutError("connect to peer", `no answer within ${seconds(timeoutMs)}`, address),
    () => abort.abort(),
  );
  const stop = () => abort.abort();
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) stop();
  const attempt = dial({ hostname: host, port, transport: "tcp", signal: abort.signal });
  try {
    return wrapTcpConn(await Promise.race([attempt, timer.expired]));
  } catch (error) {
    if (!abort.signal.aborted) throw connectError(error, address);
    // A dialer that ignores the signal may still connect: close that socket.
    attempt.then(closeQuietly, () => undefined);
    throw error;
  } finally {
    timer.cancel();
    options.signal?.removeEventListener("abort", stop);
  }
}
