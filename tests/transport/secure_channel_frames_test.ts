/**
 * @module secure_channel_frames_test
 * Message framing inside the channel: a SecureChannel fed hand-made Noise
 * frames (prefix split across frames, two messages in one frame, a message cut
 * off or stalled halfway). The assembler itself is tested in
 * tests/protocol/message_assembler_test.ts.
 */

import assert from "node:assert/strict";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { SecureChannel } from "../../src/transport/secure_channel.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { completedIk, memoryPipe, STRICT } from "./helpers.ts";

/** A receiving channel, and raw access to the sender's cipher and frames. */
async function rawSender(maxMessage?: number) {
  const [x, y] = memoryPipe();
  const { initiator: i, responder: r } = await completedIk();
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
    const error = await assertRejectsMycel(channel.receive(500), "connection_closed");
    assert.match(error.message, /mid-message/);
    assert.ok(channel.closed);
  },
);

Deno.test("SecureChannel.receive() times out a message that stalls halfway", STRICT, async () => {
  const { channel, raw, frame } = await rawSender();
  await frame([0, 0, 0, 100, 1, 2, 3]);
  const error = await assertRejectsMycel(channel.receive(100), "timeout");
  assert.equal(error.message, "Cannot receive message: the message was not complete within 0.1s");
  assert.ok(channel.closed);
  raw.close();
});

Deno.test(
  "SecureChannel.receive() names its whole timeout when nothing came, however late the first read began",
  STRICT,
  async () => {
    // CI read "no data within 14.999s" for a 15 s receive: the clock ticked
    // between the call and its first read. Here every look at the clock ticks.
    const { channel, raw } = await rawSender();
    const realNow = Date.now;
    let now = realNow();
    Date.now = () => (now += 1);
    try {
      const error = await assertRejectsMycel(channel.receive(100), "timeout");
      assert.equal(error.message, "Cannot read from peer: no data within 0.1s");
    } finally {
      Date.now = realNow;
      raw.close();
    }
  },
);

Deno.test("SecureChannel.receive() refuses a replayed frame", STRICT, async () => {
  const { channel, raw, send } = await rawSender();
  const sealed = await send.encrypt(new Uint8Array([0, 0, 0, 1, 42]));
  await raw.writeFrame(sealed);
  await raw.writeFrame(sealed);
  assert.deepEqual(await channel.receive(500), new Uint8Array([42]));
  await assertRejectsMycel(channel.receive(500), "noise_decrypt");
  assert.ok(channel.closed);
  raw.close();
});
