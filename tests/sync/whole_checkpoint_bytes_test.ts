/**
 * @module whole_checkpoint_bytes_test
 * The whole checkpoint a sync session makes a step at a time from a snapshot
 * of its own (`Home.wholeCheckpoint`, storage/whole_checkpoint.ts) is byte
 * for byte the one `Home.checkpoint()` makes in one piece for the same
 * state: on homes whose heads carry their signed entries (from the log, and
 * from a checkpoint base: a chain held only as its base), with a removed
 * device, folder rows, and for a peer whose heads are known (its heads go
 * without their entries). In-process homes linked in memory, one clock
 * (tests/sync/_mem_mesh.ts), real SQLite.
 */

import assert from "node:assert/strict";
import type { KnownHeads } from "../../src/storage/home_checkpoint.ts";
import { MemMesh } from "./_mem_mesh.ts";

Deno.test("a whole checkpoint made a step at a time is the same bytes as Home.checkpoint() on homes with heads' signed entries, a removed device and folders", async () => {
  await using mesh = await MemMesh.create(3, { seed: 11, tuning: { checkpointMin: 0 } });
  const [p, q, r] = mesh.devices;
  await mesh.peerAll();
  await mesh.admit(q, r);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  // z joins through q with a long history: the others get it as a checkpoint
  // (p then holds z's chain only as its base, its head's entry kept there).
  const z = await mesh.add("z");
  await mesh.admit(q, z);
  for (let i = 0; i < 60; i++) {
    await mesh.write(z, [{ type: "pref.set", key: `z${i % 7}`, value: `v${i}` }]);
  }
  await mesh.write(q, [{ type: "folder.share", folder: "docs", name: "Docs" }, {
    type: "folder.join",
    folder: "docs",
  }]);
  await mesh.write(r, [{ type: "pref.unset", key: "z1" }]);
  for (let i = 0; i < 4; i++) await mesh.timerRound();
  const cut = p.home.log.head(z.key)!.seq;
  z.up = false;
  await mesh.write(p, [{ type: "device.revoke", device: z.key, upTo: cut }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  assert.equal(p.home.log.head(z.key)?.base, cut, "p holds z only as a checkpoint base");

  for (const d of [p, q, r]) {
    const whole = await d.home.checkpoint();
    assert.deepEqual(await d.home.wholeCheckpoint(), whole, `${d.name}'s checkpoint`);
    const known: KnownHeads = q.home.log.heads();
    assert.deepEqual(
      await d.home.wholeCheckpoint({ known }),
      await d.home.checkpoint(known),
      `${d.name}'s checkpoint for q`,
    );
  }
});
