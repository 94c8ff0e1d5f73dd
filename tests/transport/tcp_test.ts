/**
 * @module tcp_test
 * TCP on 127.0.0.1 only: refused and timed-out connects, error sorting for
 * DNS and routing failures (through the dial seam, so no other host is ever
 * contacted), the listener's lifecycle, and peers that never say anything.
 */

import assert from "node:assert/strict";
import type { MycelError } from "../../src/errors.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { connectError, connectTcp, formatAddress } from "../../src/transport/tcp.ts";
import { listenTcp } from "../../src/transport/tcp_listener.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { STRICT, tcpPair } from "./helpers.ts";

Deno.test("connectTcp() reports connection_refused quickly for a closed port", STRICT, async () => {
  const listener = listenTcp("127.0.0.1", 0);
  const port = listener.port;
  listener.close();
  const started = Date.now();
  const error = await assertRejectsMycel(connectTcp("127.0.0.1", port, 5000), "connection_refused");
  assert.ok(Date.now() - started < 1000);
  assert.equal(
    error.message,
    `Cannot connect to peer: nothing is listening there (127.0.0.1:${port})`,
  );
});

Deno.test(
  "connectTcp() gives up with a timeout when the connection attempt hangs",
  STRICT,
  async () => {
    // A dialer that never completes stands in for a host that drops SYNs.
    const dial = (o: { signal?: AbortSignal }) =>
      new Promise<Deno.TcpConn>((_, reject) => {
        o.signal?.addEventListener(
          "abort",
          () => reject(new DOMException("aborted", "AbortError")),
        );
      });
    const started = Date.now();
    const error = await assertRejectsMycel(connectTcp("127.0.0.1", 9, 80, { dial }), "timeout");
    assert.ok(Date.now() - started < 1000);
    assert.equal(error.message, "Cannot connect to peer: no answer within 0.08s (127.0.0.1:9)");
  },
);

Deno.test(
  "connectTcp() sorts DNS and routing failures into dns and unreachable",
  STRICT,
  async () => {
    const lookup = new Error("failed to lookup address information: Name or service not known");
    const fail = (error: Error) => () => Promise.reject(error);
    const dns = await assertRejectsMycel(
      connectTcp("nas.home", 7420, 1000, { dial: fail(lookup) }),
      "dns",
    );
    assert.match(dns.message, /could not be resolved \(nas\.home:7420\)/);
    assert.equal(connectError(new URIError("invalid host"), "a b:1").code, "dns");
    assert.equal(connectError(new Deno.errors.NetworkUnreachable("x"), "h:1").code, "unreachable");
    assert.equal(
      connectError(new Error("No route to host (os error 113)"), "h:1").code,
      "unreachable",
    );
    assert.equal(connectError(new Deno.errors.TimedOut("x"), "h:1").code, "timeout");
    assert.equal(connectError(new Error("something odd"), "h:1").code, "io_error");
  },
);

Deno.test("connectTcp() and listenTcp() refuse a port outside 0-65535", STRICT, async () => {
  await assertRejectsMycel(connectTcp("127.0.0.1", 70000, 1000), "bad_address");
  assert.throws(() => listenTcp("127.0.0.1", -1), /port must be/);
});

Deno.test("formatAddress() brackets IPv6 literals", STRICT, () => {
  assert.equal(formatAddress("::1", 7420), "[::1]:7420");
  assert.equal(formatAddress("10.0.0.1", 7420), "10.0.0.1:7420");
});

Deno.test("listenTcp() accepts connections and stops iterating once closed", STRICT, async () => {
  const listener = listenTcp("127.0.0.1", 0);
  const accepted: string[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      accepted.push(conn.remote);
      conn.close();
    }
  })();
  const clients = [];
  for (let i = 0; i < 3; i++) {
    const client = await connectTcp("127.0.0.1", listener.port, 2000);
    clients.push(client);
    // The server closes its end: the client sees a clean end of stream.
    const conn = new FrameConn(client);
    assert.equal(await conn.readFrame(2000), null);
    conn.close();
  }
  listener.close();
  await loop;
  assert.deepEqual(accepted, clients.map((c) => c.local));
  assert.equal(await listener.accept(), null);
});

Deno.test("listenTcp() reports address_in_use for a taken port, with a hint", STRICT, () => {
  const first = listenTcp("127.0.0.1", 0);
  try {
    assert.throws(() => listenTcp("127.0.0.1", first.port), (e: unknown) => {
      assert.match((e as MycelError).message, /already in use/);
      assert.match((e as MycelError).hint ?? "", /ss -ltnp/);
      return true;
    });
  } finally {
    first.close();
  }
});

Deno.test("A server times out a client that connects and sends nothing", STRICT, async () => {
  const { client, server } = await tcpPair();
  const conn = new FrameConn(server, { peer: server.remote });
  const started = Date.now();
  const error = await assertRejectsMycel(conn.readFrame(200), "timeout");
  assert.ok(Date.now() - started < 1500);
  assert.match(error.message, /no data within 0.2s \(127\.0\.0\.1:\d+\)/);
  // The server closed its end, so the client sees the session end.
  const other = new FrameConn(client);
  assert.equal(await other.readFrame(2000), null);
  other.close();
});

Deno.test("A client times out a listener that never accepts or answers", STRICT, async () => {
  const listener = listenTcp("127.0.0.1", 0);
  try {
    // The kernel completes the TCP handshake from its backlog; nobody ever answers.
    const stream = await connectTcp("127.0.0.1", listener.port, 2000);
    const conn = new FrameConn(stream, { peer: stream.remote });
    await conn.writeFrame(new Uint8Array([1, 2, 3]));
    await assertRejectsMycel(conn.readFrame(200), "timeout");
    assert.ok(conn.closed);
  } finally {
    listener.close();
  }
});
