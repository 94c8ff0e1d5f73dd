/**
 * @module secure_channel_test
 * SecureChannel over real 127.0.0.1 sockets after an IK handshake: message
 * sizes around every boundary, the message cap, forged frames, garbage
 * instead of a handshake, slow-loris and silent clients, and clean versus
 * mid-message hang-ups.
 */

import assert from "node:assert/strict";
import { bytesEqual } from "../../src/bytes.ts";
import { generateNoiseKeyPair, Handshake, NOISE_IK } from "../../src/crypto/noise.ts";
import { withDeadline } from "../../src/deadline.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { initiatorHandshake, responderHandshake } from "../../src/transport/handshake_io.ts";
import type { SecureChannelOptions } from "../../src/transport/secure_channel.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { sleep } from "../helpers/process.ts";
import { random, STRICT, tcpPair } from "./helpers.ts";

const MiB = 1024 * 1024;
const text = (s: string) => new TextEncoder().encode(s);

/** An IK session over a fresh TCP pair: `a` initiated, `b` responded. */
async function ikSession(aOptions: SecureChannelOptions = {}, bOptions: SecureChannelOptions = {}) {
  const { client, server } = await tcpPair();
  const alice = generateNoiseKeyPair();
  const bob = generateNoiseKeyPair();
  const initiator = Handshake.create({
    protocol: NOISE_IK,
    initiator: true,
    staticKey: alice,
    remoteStatic: bob.publicKey,
  });
  const responder = Handshake.create({ protocol: NOISE_IK, initiator: false, staticKey: bob });
  const seen: (Uint8Array | undefined)[] = [];
  const [a, b] = await Promise.all([
    initiatorHandshake(new FrameConn(client), initiator, text("hello"), 2000, aOptions),
    responderHandshake(new FrameConn(server, { peer: server.remote }), responder, 2000, (p, rs) => {
      seen.push(p, rs);
      return Promise.resolve(text("welcome"));
    }, bOptions),
  ]);
  assert.deepEqual(seen, [text("hello"), alice.publicKey]);
  assert.deepEqual(a.replyPayload, text("welcome"));
  assert.deepEqual(b.payload, text("hello"));
  return { a: a.channel, b: b.channel, alice, bob };
}

/** A responder over TCP waiting for a handshake from a client we script by hand. */
async function rawClientAgainstResponder(timeoutMs: number) {
  const { client, server } = await tcpPair();
  const hs = Handshake.create({
    protocol: NOISE_IK,
    initiator: false,
    staticKey: generateNoiseKeyPair(),
  });
  const conn = new FrameConn(server, { peer: server.remote });
  const session = responderHandshake(conn, hs, timeoutMs, () => Promise.resolve(new Uint8Array(0)));
  return { client, conn, session };
}

function patterned(n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 31 + (i >> 16)) & 0xff);
}

Deno.test(
  "SecureChannel carries 0 B to 4 MiB messages both ways over TCP after IK",
  STRICT,
  async () => {
    const { a, b, alice } = await ikSession();
    assert.deepEqual(b.remoteStatic, alice.publicKey);
    assert.ok(bytesEqual(a.handshakeHash, b.handshakeHash));
    for (const size of [0, 1, 65519, 65520, MiB, 4 * MiB]) {
      const message = patterned(size);
      const [, got] = await Promise.all([a.send(message), b.receive(5000)]);
      assert.ok(got && bytesEqual(got, message), `a→b ${size} bytes`);
      const [, back] = await Promise.all([b.send(message), a.receive(5000)]);
      assert.ok(back && bytesEqual(back, message), `b→a ${size} bytes`);
    }
    assert.equal(a.bytesSent, b.bytesReceived);
    assert.equal(b.bytesSent, a.bytesReceived);
    a.close();
    assert.equal(await b.receive(2000), null);
    b.close();
  },
);

Deno.test("SecureChannel.receive() keeps back-to-back messages apart", STRICT, async () => {
  const { a, b } = await ikSession();
  const sizes = [3, 0, 70000, 1, 0];
  await Promise.all(sizes.map((n) => a.send(patterned(n))));
  for (const n of sizes) assert.deepEqual(await b.receive(2000), patterned(n));
  a.close();
  b.close();
});

Deno.test(
  "SecureChannel.receiveView() gives each message whole, back to back and after a copying receive",
  STRICT,
  async () => {
    const { a, b } = await ikSession();
    const sizes = [MiB, 3, 0, MiB + 7, 70000, MiB];
    await Promise.all(sizes.map((n, i) => a.send(patterned(n).map((x) => x ^ i))));
    let first: Uint8Array | undefined;
    for (const [i, n] of sizes.entries()) {
      const got = i === 4 ? await b.receive(2000) : await b.receiveView(2000);
      assert.ok(got && bytesEqual(got, patterned(n).map((x) => x ^ i)), `message ${i}`);
      if (i === 0) first = got;
    }
    // A view is the channel's: a later message may reuse its bytes.
    assert.equal(first!.length, MiB);
    a.close();
    assert.equal(await b.receiveView(2000), null);
    b.close();
  },
);

Deno.test(
  "SecureChannel refuses a message over maxMessage, sending or receiving",
  STRICT,
  async () => {
    const { a, b } = await ikSession({ maxMessage: 8 * MiB });
    await assertRejectsMycel(b.send(new Uint8Array(4 * MiB + 1)), "message_too_large");
    assert.ok(!b.closed, "a local refusal leaves the channel usable");
    const sending = a.send(new Uint8Array(4 * MiB + 1)).catch(() => undefined);
    const error = await assertRejectsMycel(b.receive(5000), "message_too_large");
    assert.match(error.message, /over the 4194304-byte limit \(4194305 bytes\)/);
    // Refused from the length prefix: the body was never waited for.
    assert.ok(b.bytesReceived <= 65537, `${b.bytesReceived} bytes read`);
    assert.ok(b.closed);
    await sending;
    a.close();
  },
);

Deno.test(
  "SecureChannel.receive() fails with noise_decrypt on a forged frame and closes",
  STRICT,
  async () => {
    const { client, server } = await tcpPair();
    const alice = generateNoiseKeyPair();
    const bob = generateNoiseKeyPair();
    const i = Handshake.create({
      protocol: NOISE_IK,
      initiator: true,
      staticKey: alice,
      remoteStatic: bob.publicKey,
    });
    const r = Handshake.create({ protocol: NOISE_IK, initiator: false, staticKey: bob });
    const clientConn = new FrameConn(client);
    const [, b] = await Promise.all([
      initiatorHandshake(clientConn, i, new Uint8Array(0), 2000),
      responderHandshake(new FrameConn(server), r, 2000, () => Promise.resolve(new Uint8Array(0))),
    ]);
    // Bypass the channel: a frame that was never encrypted under the session key.
    await clientConn.writeFrame(random(1).bytes(100));
    await assertRejectsMycel(b.channel.receive(2000), "noise_decrypt");
    assert.ok(b.channel.closed);
    clientConn.close();
  },
);

Deno.test(
  "A responder fails fast with a MycelError when a client sends garbage",
  STRICT,
  async () => {
    // Well-formed frames full of noise: long enough to decrypt (and fail), and too short.
    for (
      const [frame, code] of [[random(2).bytes(198), "noise_decrypt"], [
        random(3).bytes(20),
        "noise_truncated",
      ]] as const
    ) {
      const { client, conn, session } = await rawClientAgainstResponder(5000);
      const started = Date.now();
      await client.write(new Uint8Array([0, frame.length, ...frame]));
      await assertRejectsMycel(session, code);
      assert.ok(Date.now() - started < 1000);
      assert.ok(conn.closed);
      client.close();
    }
  },
);

Deno.test("A responder drops an HTTP request that hangs up mid-frame", STRICT, async () => {
  const { client, conn, session } = await rawClientAgainstResponder(5000);
  await client.write(text("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  client.close();
  await assertRejectsMycel(session, "connection_closed");
  assert.ok(conn.closed);
});

Deno.test(
  "A slow-loris client sending 1 byte per second is dropped by the deadline",
  STRICT,
  async () => {
    const { client, conn, session } = await rawClientAgainstResponder(1500);
    let stop = false;
    const trickle = (async () => {
      while (!stop) {
        if (await client.write(new Uint8Array([1])).then(() => false, () => true)) break;
        for (let t = 0; t < 10 && !stop; t++) await sleep(100);
      }
    })();
    const started = Date.now();
    await assertRejectsMycel(session, "timeout");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1400 && elapsed < 2500, `${elapsed} ms`);
    assert.ok(conn.closed);
    stop = true;
    await trickle;
    client.close();
  },
);

Deno.test(
  "withDeadline() ends a session whose peer keeps every single read in time",
  STRICT,
  async () => {
    // Each empty frame arrives well within the per-read deadline; only the
    // session deadline can stop this peer.
    const { client, server } = await tcpPair();
    const conn = new FrameConn(server);
    let stop = false;
    const trickle = (async () => {
      while (
        !stop && await client.write(new Uint8Array([0, 0])).then(() => true, () => false)
      ) await sleep(20);
    })();
    const session = (async () => {
      for (;;) await conn.readFrame(1000);
    })();
    await assertRejectsMycel(
      withDeadline(session, 300, "sync with peer", () => conn.close()),
      "timeout",
    );
    assert.ok(conn.closed);
    stop = true;
    await trickle;
    client.close();
  },
);

Deno.test("A responder times out a client that connects and sends nothing", STRICT, async () => {
  const { client, conn, session } = await rawClientAgainstResponder(300);
  const error = await assertRejectsMycel(session, "timeout");
  assert.match(error.message, /^Cannot read from peer: no data within 0.3s \(127\.0\.0\.1:\d+\)$/);
  assert.ok(conn.closed);
  client.close();
});
