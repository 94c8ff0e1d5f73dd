/**
 * @module reassembly_test
 * Message framing inside the channel: the pure Reassembler against random cut
 * points, and a SecureChannel fed hand-made Noise frames (prefix split across
 * frames, two messages in one frame, a message cut off or stalled halfway).
 */

import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes.ts";
import { generateNoiseKeyPair, Handshake, NOISE_IK } from "../../src/crypto/noise.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { Reassembler, splitMessage } from "../../src/transport/reassembly.ts";
import { SecureChannel } from "../../src/transport/secure_channel.ts";
import { memoryPipe, random, rejectsWith, STRICT } from "./helpers.ts";

function prefixed(message: Uint8Array): Uint8Array {
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, message.length);
  return concatBytes(head, message);
}

Deno.test("Reassembler rebuilds messages from any cut of the stream", STRICT, () => {
  const rng = random(7);
  for (let round = 0; round < 300; round++) {
    const messages = Array.from(
      { length: 1 + rng.int(5) },
      () => rng.bytes(rng.int(3) ? rng.int(20) : 0),
    );
    const stream = concatBytes(...messages.map(prefixed));
    const assembler = new Reassembler(1000);
    const got: Uint8Array[] = [];
    for (let at = 0; at < stream.length;) {
      const step = 1 + rng.int(9);
      assembler.push(stream.subarray(at, at + step));
      at += step;
      for (let m = assembler.next(); m; m = assembler.next()) got.push(m);
    }
    assert.deepEqual(got, messages);
    assert.ok(assembler.idle);
  }
});

Deno.test("Reassembler refuses an oversize length prefix before allocating", STRICT, () => {
  const assembler = new Reassembler(100);
  assembler.push(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  assert.throws(() => assembler.next(), /over the 100-byte limit \(4294967295 bytes\)/);
});

Deno.test(
  "splitMessage() cuts at the piece size with the prefix in the first piece",
  STRICT,
  () => {
    const pieces = splitMessage(new Uint8Array(25), 10);
    assert.deepEqual(pieces.map((p) => p.length), [10, 10, 9]);
    assert.deepEqual([...pieces[0].subarray(0, 4)], [0, 0, 0, 25]);
    assert.deepEqual(splitMessage(new Uint8Array(0), 10).map((p) => p.length), [4]);
  },
);

/** A receiving channel, and raw access to the sender's cipher and frames. */
async function rawSender(maxMessage?: number) {
  const [x, y] = memoryPipe();
  const bob = generateNoiseKeyPair();
  const i = Handshake.create({
    protocol: NOISE_IK,
    initiator: true,
    staticKey: generateNoiseKeyPair(),
    remoteStatic: bob.publicKey,
  });
  const r = Handshake.create({ protocol: NOISE_IK, initiator: false, staticKey: bob });
  await r.readMessage(await i.writeMessage());
  await i.readMessage(await r.writeMessage());
  const { send } = i.split();
  const channel = SecureChannel.fromHandshake(new FrameConn(y), r, { maxMessage });
  const raw = new FrameConn(x);
  const frame = async (plain: number[] | Uint8Array) =>
    await raw.writeFrame(await send.encrypt(new Uint8Array(plain)));
  return { channel, raw, frame, send };
}

Deno.test("SecureChannel.receive() joins a length prefix split across frames", STRICT, async () => {
  const { channel, raw, frame } = await rawSender();
  await frame([0, 0]);
  await frame([0, 3, 7]);
  // The end of one message and the start of the next share a frame.
  await frame([8, 9, 0, 0, 0, 0, 0, 0, 0]);
  await frame([1, 5]);
  assert.deepEqual(await channel.receive(500), new Uint8Array([7, 8, 9]));
  assert.deepEqual(await channel.receive(500), new Uint8Array([]));
  assert.deepEqual(await channel.receive(500), new Uint8Array([5]));
  raw.close();
  assert.equal(await channel.receive(500), null);
  channel.close();
});

Deno.test(
  "SecureChannel.receive() reports a hang-up in the middle of a message",
  STRICT,
  async () => {
    const { channel, raw, frame } = await rawSender();
    await frame([0, 0, 0, 100, 1, 2, 3]);
    raw.close();
    const error = await rejectsWith(channel.receive(500), "connection_closed");
    assert.match(error.message, /mid-message/);
    assert.ok(channel.closed);
  },
);

Deno.test("SecureChannel.receive() times out a message that stalls halfway", STRICT, async () => {
  const { channel, raw, frame } = await rawSender();
  await frame([0, 0, 0, 100, 1, 2, 3]);
  const error = await rejectsWith(channel.receive(100), "timeout");
  assert.equal(error.message, "Cannot receive message: the message was not complete within 0.1s");
  assert.ok(channel.closed);
  raw.close();
});

Deno.test("SecureChannel.receive() refuses a replayed frame", STRICT, async () => {
  const { channel, raw, send } = await rawSender();
  const sealed = await send.encrypt(new Uint8Array([0, 0, 0, 1, 42]));
  await raw.writeFrame(sealed);
  await raw.writeFrame(sealed);
  assert.deepEqual(await channel.receive(500), new Uint8Array([42]));
  await rejectsWith(channel.receive(500), "noise_decrypt");
  assert.ok(channel.closed);
  raw.close();
});
