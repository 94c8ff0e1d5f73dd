/**
 * @module slot_eviction_test
 * A stranger with many source addresses holds every connection slot of a
 * real `mycel sync serve --listen` with idle sockets (4 per address, the
 * per-source cap, from 8 loopback addresses: the listener's 32). A member's
 * `sync now` still gets in: the oldest connection not authenticated yet
 * gives its slot up (src/transport/connection_slots.ts). Before, the member
 * was refused as busy until the idle sockets' handshake deadline, and the
 * stranger could open them again at once.
 */

import assert from "node:assert/strict";
import { MAX_CONCURRENT, MAX_PER_SOURCE } from "../../src/protocol/connection_limits.ts";
import { freePort, idleSocket } from "../helpers/net.ts";
import { sleep } from "../helpers/process.ts";
import { type Device, devices } from "./_helpers.ts";
import { recordFirstMessage } from "./_stranger.ts";

Deno.test("every slot held by idle strangers from many addresses: a member's sync still gets in", async () => {
  await using devs = await devices(["target", "friend"]);
  const [target, friend] = devs.list;
  await devs.peer(target, friend);
  await target.write("pref", "set", "theme", "dark");
  // A handshake deadline far longer than the test: idle sockets hold their slots throughout.
  const server = await target.serve(60);
  const from = server.stderr.length;
  const sockets: ReturnType<typeof idleSocket>[] = [];
  try {
    const sources = MAX_CONCURRENT / MAX_PER_SOURCE;
    for (let i = 0; i < sources; i++) {
      for (let k = 0; k < MAX_PER_SOURCE; k++) {
        const s = idleSocket(target.port, `127.0.0.${i + 2}`);
        sockets.push(s);
        await s.connected;
      }
    }
    await sleep(300); // every one accepted and holding a slot
    const round = await friend.syncAll();
    assert.equal(round.of(target).status, "synced", JSON.stringify(round.outcomes));
    assert.ok(round.of(target).received >= 1, "the target's entries arrived");
    await server.waitFor(/^busy: closed 127\.0\.0\.2:\d+, not authenticated yet/m, {
      stream: "stderr",
      from,
      timeoutMs: 10_000,
    });
    assert.ok(!server.exited, "the server must keep running");
    // The evicted one is the oldest: the first socket from 127.0.0.2, now closed.
    await sockets[0].closed;
  } finally {
    for (const s of sockets) s.destroy();
  }
  await devs.assertConverged();
});

// The initiator's first handshake message can be replayed (Noise IK): a
// replay completes the handshake as the member, and only the `hi` that
// follows proves a live session. Kept from the handshake on, 32 replays
// from 8 addresses held every slot for the read deadline, unevictable, and
// the member was refused as busy (found by a review). Now one listener
// refuses a first message it has taken before at once (replay_guard.ts).
// The one replay it took read as a member's first message, so it gives its
// slot up only after the connections that showed nothing
// (connection_slots.ts `promote`), and at the `hi` deadline at the latest.
Deno.test("replays of a member's first handshake message: refused once seen, the one taken evicted after idle ones, the member gets in", async () => {
  await using devs = await devices(["target", "friend"]);
  const [target, friend] = devs.list;
  await devs.peer(target, friend);
  const firstMessage = await recordedFirstMessage(target, friend);
  const server = await target.serve(30);
  const from = server.stderr.length;
  const sockets: ReturnType<typeof idleSocket>[] = [];
  try {
    const taken = idleSocket(target.port, "127.0.0.2");
    sockets.push(taken);
    await taken.connected;
    taken.write(firstMessage);
    const takenAt = performance.now();
    await sleep(1000); // answered: waiting for a `hi` that never comes
    // The same message again, from the same address and others: refused at once.
    const again = [2, 3, 4].map((i) => idleSocket(target.port, `127.0.0.${i}`));
    sockets.push(...again);
    await Promise.all(again.map((s) => s.connected));
    const sentAt = performance.now();
    for (const s of again) s.write(firstMessage);
    await Promise.all(again.map((s) => s.closed));
    for (const s of again) {
      const ms = s.closedAt! - sentAt;
      assert.ok(ms < 3000, `a replay seen before was held ${ms.toFixed(0)} ms`);
    }
    assert.equal(taken.closedAt, undefined, "the first replay is still waiting for its hi");
    // Every other slot taken by idle sockets from 8 more addresses; the last
    // evicts the oldest of those, not the replay (its message admitted).
    for (let i = 0; i < MAX_CONCURRENT / MAX_PER_SOURCE; i++) {
      for (let k = 0; k < MAX_PER_SOURCE; k++) {
        const s = idleSocket(target.port, `127.0.0.${i + 5}`);
        sockets.push(s);
        await s.connected;
      }
    }
    await server.waitFor(/^busy: closed 127\.0\.0\.5:\d+, not authenticated yet/m, {
      stream: "stderr",
      from,
      timeoutMs: 5_000,
    });
    const round = await friend.syncAll();
    assert.equal(round.of(target).status, "synced", JSON.stringify(round.outcomes));
    // The replay is let go at the `hi` deadline (10 s), not held longer.
    await taken.closed;
    assert.ok(taken.closedAt! - takenAt < 20_000, "held past the handshake deadline");
  } finally {
    for (const s of sockets) s.destroy();
  }
});

// A replay completes the responder's handshake; the `hi` that would prove a
// live session never follows. It is waited for no longer than a handshake:
// before, a replay held its connection for the whole read deadline, which
// under systemd socket activation (where nothing is evicted) kept one of
// the socket unit's 16 connections per replay.
Deno.test("a replayed first handshake message is dropped at the handshake deadline, not the read deadline", async () => {
  await using devs = await devices(["target", "friend"]);
  const [target, friend] = devs.list;
  await devs.peer(target, friend);
  const firstMessage = await recordedFirstMessage(target, friend);
  // Read deadline 60 s; the handshake's is 10 s (session_bounds.ts, limitsFor).
  await target.serve(60);
  const replay = idleSocket(target.port, "127.0.0.2");
  try {
    await replay.connected;
    const t0 = performance.now();
    replay.write(firstMessage);
    await replay.closed;
    const held = replay.closedAt! - t0;
    assert.ok(held > 5_000, `dropped after ${held.toFixed(0)} ms: before any deadline?`);
    assert.ok(held < 25_000, `held ${held.toFixed(0)} ms: the read deadline, not the handshake's`);
  } finally {
    replay.destroy();
  }
});

/** A first handshake message of `friend`'s to `target`, recorded through a relay to a server elsewhere. */
async function recordedFirstMessage(target: Device, friend: Device): Promise<Uint8Array> {
  const recorderPort = freePort();
  await using recorder = target.tmp.spawn(
    ["sync", "serve", "--listen", `127.0.0.1:${recorderPort}`, "--timeout", "30"],
    { timeoutMs: 0 },
  );
  await recorder.waitFor(/listening on/, { stream: "stderr" });
  return await recordFirstMessage(target, friend, recorderPort);
}
