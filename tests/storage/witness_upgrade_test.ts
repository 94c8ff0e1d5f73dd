/**
 * @module witness_upgrade_test
 * A home whose state was folded by a release before each device's witness
 * (src/log/witness.ts) folds again at its first write, so it cuts a later
 * removal where a device that folded the same entries anew does; so does
 * a home folded before admissions that disagree were marked contested
 * (membership.ts). A home made by this release is marked at creation.
 * Real homes over in-memory links (tests/sync/_mem_mesh.ts).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { FOLD_RULES, WITNESS_META } from "../../src/storage/sql_local.ts";
import { contestNewcomer } from "../sync/_contested.ts";
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
  assert.equal(a.home.local.meta(WITNESS_META), FOLD_RULES, "a new home is marked at creation");

  // As an earlier release left it: no witness, no mark.
  const db = new DatabaseSync(join(a.root, "mycel.db"));
  db.exec("UPDATE members SET row = json_remove(row, '$.w')");
  db.prepare("DELETE FROM meta WHERE k = ?").run(WITNESS_META);
  db.close();
  assert.equal(witnessIn(a.root, b.key.bytes), undefined);
  const before = a.home.digest();

  await mesh.write(a, [{ type: "app.add", name: "vim" }]); // any write
  assert.deepEqual(witnessIn(a.root, b.key.bytes), { [a.key.hex]: seen }, "folded again");
  assert.equal(a.home.local.meta(WITNESS_META), FOLD_RULES);
  assert.notEqual(a.home.digest(), before, "the app was added");
  await mesh.timerRound();
  assert.equal(a.home.digest(), b.home.digest(), "one state");
});

Deno.test("a home folded before disagreeing admissions were marked folds again at its first write and marks them", async () => {
  await using mesh = await MemMesh.create(3);
  const { a, m, n } = await contestNewcomer(mesh);
  assert.equal(a.home.view.member(n.key)!.admitted.contested, true);
  const marked = a.home.digest();

  // As the release before left it: the same row unmarked, its rules 1.
  const db = new DatabaseSync(join(a.root, "mycel.db"));
  db.exec("UPDATE members SET row = json_remove(row, '$.a.contested')");
  db.prepare("UPDATE meta SET v = 1 WHERE k = ?").run(WITNESS_META);
  db.close();
  assert.equal(a.home.view.member(n.key)!.admitted.contested, undefined);
  assert.equal(a.home.view.member(n.key)!.record.noiseKey, m.record.noiseKey, "m's key, as before");
  assert.notEqual(a.home.digest(), marked);

  await mesh.write(a, [{ type: "app.add", name: "vim" }]); // any write
  assert.equal(a.home.view.member(n.key)!.admitted.contested, true, "folded again");
  assert.equal(a.home.view.member(n.key)!.record.noiseKey, "");
  assert.equal(a.home.local.meta(WITNESS_META), FOLD_RULES);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  const members = mesh.devices.filter((d) => d !== n); // n, kept apart, holds only itself
  assert.equal(new Set(members.map((d) => d.home.digest())).size, 1, "one state");
});
