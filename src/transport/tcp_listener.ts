/**
 * @module tcp_listener
 * The listening side of plain TCP, for `mycel sync serve --listen` on systems
 * without systemd socket activation. Closing the listener ends iteration
 * cleanly (a pending accept resolves to null) so a serve loop can stop on a
 * signal without catching "bad resource" errors.
 */

import { ExitCode, MycelError } from "../errors.ts";
import { closeQuietly } from "./byte_stream.ts";
import { ioError } from "./io_errors.ts";
import { checkPort, formatAddress, type TcpStream, wrapTcpConn } from "./tcp.ts";

/** Accepted connections of {@link listenTcp}; iterate, or call `accept()`. */
export interface TcpListener extends AsyncIterable<TcpStream> {
  /** The bound host. */
  readonly host: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /** The next connection, or null once the listener is closed. */
  accept(): Promise<TcpStream | null>;
  /** Stop listening; a pending `accept()` resolves to null. Idempotent. */
  close(): void;
}

/**
 * Listen on `host:port` (port 0: any free port). Rejects with
 * `address_in_use` or `permission_denied` when the port cannot be bound.
 */
export function listenTcp(host: string, port: number): TcpListener {
  const action = "listen for peers";
  checkPort(port, action, host);
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: host, port, transport: "tcp" });
  } catch (error) {
    const value = formatAddress(host, port);
    if (error instanceof Deno.errors.AddrInUse) {
      throw new MycelError("address_in_use", action, "the port is already in use", {
        value,
        hint: "Another program (or another `mycel sync serve`, or the mycel-sync socket unit) " +
          "holds it: see `ss -ltnp`, or pick another port.",
      });
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new MycelError("permission_denied", action, "not allowed to bind that port", {
        value,
        hint: "Ports below 1024 need root; pick a higher port.",
      });
    }
    if (error instanceof Deno.errors.AddrNotAvailable) {
      throw new MycelError("bad_input", action, "this machine has no such address", {
        value,
        exit: ExitCode.usage,
        hint: "Give an address of this machine (`ip -brief address` lists them), " +
          "or 0.0.0.0 for all of them.",
      });
    }
    throw ioError(error, action, value);
  }
  let closed = false;
  const accept = async (): Promise<TcpStream | null> => {
    try {
      return wrapTcpConn(await listener.accept());
    } catch (error) {
      if (closed) return null;
      throw ioError(error, "accept connection", formatAddress(host, port));
    }
  };
  return {
    host: listener.addr.hostname,
    port: listener.addr.port,
    accept,
    close() {
      if (closed) return;
      closed = true;
      closeQuietly(listener);
    },
    async *[Symbol.asyncIterator]() {
      for (let conn = await accept(); conn; conn = await accept()) yield conn;
    },
  };
}
