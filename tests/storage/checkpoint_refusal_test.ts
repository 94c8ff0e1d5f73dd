/**
 * Checkpoints a device must not take, on real SQLite homes: one from another
 * mesh, one signed by someone other than the peer that sent it, one whose
 * signer is not a member (`memberCheckpoints`, the session's rule, whose
 * refusal becomes `checkpoint_refused`); and one that disagrees with an entry
 * this device holds — the other branch of a fork — which `takeCheckpoint`
 * refuses with `checkpoint_conflict`, changing nothing.
 */

import assert from "node:assert/strict";
import { readCheckpoint } from "../../src/log/checkpoint.ts";
import { memberCheckpoints } from "../../src/sync/member_checkpoints.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { exchange, makeHome, pairInProcess, writes } from "./helpers.ts";

Deno.test("memberCheckpoints: a member's own checkpoint passes; another mesh, another signer or a non-member is refused", async () => {
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  await using c = await makeHome(2, "c");
  await pairInProcess(a, b);
  await writes(a, 3, "a");
  const ha = await a.writer(), hb = await b.writer(), hc = await c.writer();
  try {
    const fromA = await readCheckpoint(await ha.checkpoint());
    const fromC = await readCheckpoint(await hc.checkpoint());
    assert.equal(memberCheckpoints(hb, a.device)(fromA), undefined);
    assert.equal(
      memberCheckpoints(hb, b.device)(fromA),
      "it is not signed by the peer that sent it",
    );
    assert.equal(
      memberCheckpoints(hb, c.device)(fromC),
      "its signer is not a member of this mesh",
    );
    // During a provisional admission the signer may not be a member yet.
    assert.equal(memberCheckpoints(hb, c.device, true)(fromC), undefined);
    await hc.write((w) => w.setMesh("othermesh"));
    const otherMesh = await readCheckpoint(await hc.checkpoint());
    assert.equal(
      memberCheckpoints(hb, c.device, true)(otherMesh),
      "it belongs to another mesh",
    );
    // …unless that is the id the peer itself gave in this session.
    assert.equal(memberCheckpoints(hb, c.device, true)(otherMesh, "othermesh"), undefined);
  } finally {
    ha.close();
    hb.close();
    hc.close();
  }
});

Deno.test("takeCheckpoint: a checkpoint that disagrees with an entry held here is checkpoint_conflict and changes nothing", async () => {
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  await pairInProcess(a, b);
  // a's home, copied: the copy is the same device, about to write its own next entry.
  await using twin = await makeHome(0, "a");
  await Deno.remove(twin.root, { recursive: true });
  await Deno.mkdir(twin.root);
  for (const f of Deno.readDirSync(a.root)) {
    if (f.isFile) await Deno.copyFile(`${a.root}/${f.name}`, `${twin.root}/${f.name}`);
  }
  await writes(a, 1, "here");
  await writes(twin, 1, "there"); // the same seq, other bytes: a fork of a
  const ha = await a.writer(), hb = await b.writer(), ht = await twin.writer();
  try {
    await exchange(ht, hb); // b holds the twin's branch
    const cp = await readCheckpoint(await hb.checkpoint());
    const before = ha.digest();
    const e = await assertRejectsMycel(ha.takeCheckpoint(cp), "checkpoint_conflict");
    assert.match(e.message, /it disagrees with an entry this device holds \(a fork\)/);
    assert.equal(ha.digest(), before);
  } finally {
    ha.close();
    hb.close();
    ht.close();
  }
});
