/**
 * @module admitted_rank_test
 * `sync serve --listen` evicts, when full, connections that have shown
 * nothing before those it ranked higher (connection_slots.ts `promote`).
 * The responder ranks one higher once its first handshake message was
 * admitted: a member's key, a message not taken before (peer_session.ts
 * `onAdmitted`). Before, it did so as soon as the message decrypted, before
 * the key was checked, and in Noise IK anyone holding the listener's card
 * makes a message that does, under a static key of its own (and a replay
 * of a member's decrypts too): a stranger's connections ranked with
 * members' until they were refused, ahead of a member's not read yet.
 */

import assert from "node:assert/strict";
import { Handshake, NOISE_IK } from "../../src/crypto/noise.ts";
import { generateDeviceKeys } from "../../src/log/identity.ts";
import { SYNC_PROLOGUE, SYNC_PROTOCOL_VERSION } from "../../src/protocol/sync_fields.ts";
import { decodeHelloReply, encodeHello } from "../../src/protocol/sync_hello.ts";
import { limitsFor } from "../../src/sync/session_bounds.ts";
import { initiateSession, respondSession } from "../../src/sync/peer_session.ts";
import type { SessionLimits } from "../../src/sync/peer_session_types.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { initiatorHandshake } from "../../src/transport/handshake_io.ts";
import { memoryLink } from "../../src/transport/memory_stream.ts";
import { ReplayGuard, type Replays } from "../../src/transport/replay_guard.ts";
import { MemMesh } from "./_mem_mesh.ts";

/** The responder's limits, counting how often it ranked the connection up. */
function counting(replays: Replays) {
  const ranked = { count: 0 };
  const limits: SessionLimits = {
    ...limitsFor(5000),
    replays,
    onAdmitted: () => {
      ranked.count++;
      return undefined;
    },
  };
  return { ranked, limits };
}

Deno.test("a stranger's first handshake message that decrypts does not rank its connection up", async () => {
  await using mesh = await MemMesh.create(1);
  const [target] = mesh.devices;
  const keys = await target.home.noiseKeys();
  const { ranked, limits } = counting(new ReplayGuard());
  const link = memoryLink({ a: "stranger", b: "target" });
  const answering = respondSession(target.home, keys, link.b, {
    path: "memory",
    address: "stranger",
  }, limits);
  // Fresh keys, the target's Noise key as its card shows it: the message reads.
  const own = await generateDeviceKeys();
  const hs = Handshake.create({
    protocol: NOISE_IK,
    initiator: true,
    prologue: SYNC_PROLOGUE,
    staticKey: { publicKey: own.noisePublic, privateKey: own.noisePrivate },
    remoteStatic: keys.noisePublic,
  });
  const conn = new FrameConn(link.a, { peer: "target" });
  const hello = encodeHello({ version: SYNC_PROTOCOL_VERSION, admission: [] });
  const { replyPayload, channel } = await initiatorHandshake(conn, hs, hello, 5000);
  channel.close();
  assert.equal(decodeHelloReply(replyPayload).ok, false, "a stranger is refused");
  const outcome = await answering;
  assert.equal(outcome.status, "refused");
  assert.equal(ranked.count, 0, "a stranger's connection ranks with idle ones");
});

for (const replay of [false, true]) {
  const what = replay ? "a first message taken before" : "a member's fresh first message";
  Deno.test(`${what}: its connection is ${replay ? "not " : ""}ranked up`, async () => {
    await using mesh = await MemMesh.create(2);
    await mesh.peerAll();
    const [target, friend] = mesh.devices;
    const { ranked, limits } = counting({ admit: () => !replay });
    const link = memoryLink({ a: "friend", b: "target" });
    const meta = { path: "memory", address: "friend" };
    const answering = respondSession(
      target.home,
      await target.home.noiseKeys(),
      link.b,
      meta,
      limits,
    );
    const dialled = await initiateSession(
      friend.home,
      await friend.home.noiseKeys(),
      friend.home.view.member(target.key)!.record,
      link.a,
      meta,
      limitsFor(5000),
    );
    const answered = await answering;
    assert.equal(dialled.status, replay ? "refused" : "synced", JSON.stringify(dialled));
    assert.equal(answered.status, replay ? "refused" : "synced", JSON.stringify(answered));
    assert.equal(ranked.count, replay ? 0 : 1);
  });
}
