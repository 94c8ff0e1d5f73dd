/**
 * @module socket_peer_test
 * Addresses as /proc/net/tcp and tcp6 spell them (32-bit words in host
 * order, here little-endian) read back as the peer's host; an IPv4 caller
 * of an IPv6 socket stays IPv4-mapped here (sourceOf folds it later).
 * socketPeer itself is exercised by tests/sync/stdio_replay_test.ts, whose
 * processes name their connection's address without REMOTE_ADDR.
 */

import assert from "node:assert/strict";
import { hostOf, socketPeer } from "../../src/transport/socket_peer.ts";
import { sourceOf } from "../../src/transport/connection_slots.ts";

Deno.test("hostOf: /proc/net/tcp addresses, IPv4 and IPv6, read as hosts", () => {
  assert.equal(hostOf("0100007F"), "127.0.0.1");
  assert.equal(hostOf("0500007F"), "127.0.0.5");
  assert.equal(hostOf("000080FE00000000FF005452AE3456FE"), "[fe80::5254:ff:fe56:34ae]");
  const mapped = hostOf("0000000000000000FFFF00000200007F")!;
  assert.equal(sourceOf(`${mapped}:1`), "127.0.0.2");
  assert.equal(hostOf("zz"), undefined);
});

Deno.test("socketPeer: a descriptor that is no socket has no peer", () => {
  assert.equal(socketPeer(99), undefined);
});
