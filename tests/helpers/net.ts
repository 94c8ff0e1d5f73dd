/**
 * @module net_helper
 * Network helpers for tests that run real servers on 127.0.0.1.
 *
 * ```ts
 * const port = freePort();
 * await using server = home.spawn(["sync", "serve", "--listen", `127.0.0.1:${port}`]);
 * ```
 */

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
