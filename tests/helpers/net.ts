/**
 * @module net_helper
 * Network helpers for tests that run real servers on 127.0.0.1.
 *
 * ```ts
 * const port = freePort();
 * await using server = home.spawn(["sync", "serve", "--listen", `127.0.0.1:${port}`]);
 * ```
 */

import net from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it,
 * close). Another process may take it before the test binds it again.
 */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * An idle TCP connection from the loopback address `local` (127.0.0.2 and up
 * are other sources on Linux) to 127.0.0.1:`port`: it sends nothing;
 * `connected` resolves once connected, `closed` once the server drops it
 * (`closedAt` says when, on `performance.now()`'s clock).
 */
export function idleSocket(port: number, local: string) {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: local });
  let closedAt: number | undefined;
  const closed = new Promise<void>((resolve) => {
    socket.on("close", () => {
      closedAt = performance.now();
      resolve();
    });
  });
  socket.on("error", () => {});
  socket.on("data", () => {}); // the server sends nothing before a handshake; drain anyway
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return {
    connected,
    closed,
    get closedAt() {
      return closedAt;
    },
    destroy: () => socket.destroy(),
  };
}
