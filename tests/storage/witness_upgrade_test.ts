/**
 * @module witness_upgrade_test
 * A home whose state was folded by a release before each device's witness
 * (src/log/witness.ts) folds again at its first write, so it cuts a later
 * removal where a device that folded the same entries anew does; a home
 * made by this release is marked at creation. Real homes over
 * in-memory links (tests/sync/_mem_mesh.ts).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { WITNESS_META } from "../../src/storage/sql_local.ts";
import { MemMesh, pref } from "../sync/_mem_mesh.ts";

/** The witness kept in `rootOf`'s membership row of `key` (hex), read beside the open home. */
function witnessIn(root: string, key: Uint8Array): Record<string, number> | undefined {
  const db = new DatabaseSync(join(root, "mycel.db"));
  try {
    const r = db.prepare("SELECT row FROM members WHERE key = ?").get(key) as { row: string };
    return JSON.parse(r.row).w;
  } finally {
    db.close();
  }
}

Deno.test("a home folded before witnesses were kept folds again at its first write; a new home is marked as folded with them", async () => {
  await using mesh = await MemMesh.create(2);
  await mesh.peerAll();
  const [a, b] = mesh.devices;
  await mesh.write(a, pref("theme", "dark"));
  await mesh.timerRound();
  await mesh.write(b, pref("theme", "light")); // b replaces a's value: b has seen a's entry
  await mesh.timerRound();
  const seen = a.home.log.head(a.key)!.seq;
  assert.deepEqual(witnessIn(a.root, b.key.bytes), { [a.key.hex]: seen });
  assert.equal(a.home.local.meta(WITNESS_META), 1, "a new home is marked at creation");

  // As an earlier release left it: no witness, no mark.
  const db = new DatabaseSync(join(a.root, "mycel.db"));
  db.exec("UPDATE members SET row = json_remove(row, '$.w')");
  db.prepare("DELETE FROM meta WHERE k = ?").run(WITNESS_META);
  db.close();
  assert.equal(witnessIn(a.root, b.key.bytes), undefined);
  const before = a.home.digest();

  await mesh.write(a, [{ type: "app.add", name: "vim" }]); // any write
  assert.deepEqual(witnessIn(a.root, b.key.bytes), { [a.key.hex]: seen }, "folded again");
  assert.equal(a.home.local.meta(WITNESS_META), 1);
  assert.notEqual(a.home.digest(), before, "the app was added");
  await mesh.timerRound();
  assert.equal(a.home.digest(), b.home.digest(), "one state");
});
