/**
 * @module whole_held_test
 * Whole checkpoints for peers that take no parts (an earlier release, or a
 * member leaving the ability out of its `hi`) are held in memory until sent,
 * up to 64 MiB each; the cut gate is given back once one is made
 * (src/sync/cut_gate.ts), so a peer reading it slowly holds no other member
 * from our state. So a member with devices it made up (admitted in a chain,
 * each a group of its own), each asking without parts and reading slowly for
 * its whole session, held one per session: up to 32 sessions × 64 MiB of the
 * serve's memory. At most {@link MAX_WHOLE_HELD} are held at once per home
 * (src/sync/whole_held.ts); past it a session is refused `busy`, and a cut in
 * parts (spooled to disk) is not held up by them.
 *
 * A real mesh in memory (SQLite homes) and the real sending half
 * (exchange_send.ts); the slow readers are `send`s that take no chunk of the
 * checkpoint until the test lets them. The gate's clock stands still (the
 * cuts take no time by it: no rest between them).
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import type { DeviceKey } from "../../src/log/device_key.ts";
import { ABILITY_PARTS, type SyncMessage } from "../../src/protocol/sync_messages.ts";
import type { Home } from "../../src/storage/home_handle.ts";
import { useCutClock } from "../../src/sync/cut_gate.ts";
import { MAX_WHOLE_HELD } from "../../src/sync/whole_held.ts";
import { MemMesh, pref } from "./_mem_mesh.ts";
import { sendHalf } from "./_send_half.ts";

/** A session of `peer` asking for our state (`abilities`): what went, and a gate its reading waits on. */
function session(home: Home, peer: DeviceKey, abilities: number) {
  let read!: () => void;
  const reading = new Promise<void>((r) => read = r);
  let started!: () => void;
  const sending = new Promise<void>((r) => started = r);
  const sent: string[] = [];
  const done = sendHalf(home, peer, {
    abilities,
    send: async (msg: SyncMessage) => {
      sent.push(msg.type);
      if (msg.type === "checkpoint" || msg.type === "parts_head") {
        started();
        await reading; // the peer reads nothing more until the test lets it
      }
    },
  }).done.then(() => "sent", (e) => {
    if (isMycelError(e, "busy")) return e.reason;
    throw e;
  });
  return { sent, read, done, started: Promise.race([sending, done]) };
}

Deno.test("whole checkpoints held in memory for slow readers are bounded per home: past the bound a session without parts is refused busy, a cut in parts still goes", async () => {
  const n = MAX_WHOLE_HELD + 3;
  await using mesh = await MemMesh.create(n + 1);
  const [alpha, ...others] = mesh.devices;
  for (const d of others) await mesh.admit(alpha, d);
  for (let i = 0; i < 40; i++) await mesh.write(alpha, pref("big", `${i}`.padEnd(4096, "x")));
  useCutClock(alpha.home, () => 0);

  const slow = [];
  for (const d of others.slice(0, MAX_WHOLE_HELD)) {
    const s = session(alpha.home, d.key, 0);
    await s.started;
    assert.ok(s.sent.includes("checkpoint"), `a whole checkpoint is being sent: ${s.sent}`);
    slow.push(s);
  }
  // One more without parts: before, it was made and held too (and so on, one per session).
  const over = session(alpha.home, others[MAX_WHOLE_HELD].key, 0);
  await over.started;
  assert.ok(!over.sent.includes("checkpoint"), `none made for it: ${over.sent}`);
  assert.match(await over.done, /whole/);
  // A device that takes parts is cut for meanwhile (spooled to disk, not held in memory).
  const parts = session(alpha.home, others[MAX_WHOLE_HELD + 1].key, ABILITY_PARTS);
  await parts.started;
  assert.ok(parts.sent.includes("parts_head"), `${parts.sent}`);
  parts.read();
  assert.equal(await parts.done, "sent");
  // Once the slow readers have read theirs, another is made.
  for (const s of slow) {
    s.read();
    assert.equal(await s.done, "sent");
  }
  const after = session(alpha.home, others[MAX_WHOLE_HELD + 2].key, 0);
  after.read();
  assert.equal(await after.done, "sent");
});
