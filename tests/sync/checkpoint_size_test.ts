/**
 * @module checkpoint_size_test
 * A checkpoint is the whole state, within bounds of its own (64 MiB, 2^21
 * items: src/log/checkpoint.ts). A state past them can't be checkpointed;
 * that is named, with what it stops (pairing, catching up through this
 * device), never a bare codec error. (A state between 16 and 64 MiB pairs:
 * tests/pairing/large_state_test.ts.) A real home (SQLite).
 */

import assert from "node:assert/strict";
import { MAX_CHECKPOINT_BYTES } from "../../src/log/checkpoint.ts";
import type { Op } from "../../src/log/ops.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { MemMesh } from "./_mem_mesh.ts";

Deno.test("a state larger than a checkpoint may be is named checkpoint_too_large, with what it stops", async () => {
  await using mesh = await MemMesh.create(1);
  const [a] = mesh.devices;
  const value = "w".repeat(62_000);
  const entries = Math.ceil(MAX_CHECKPOINT_BYTES / (15 * 62_000)) + 2;
  for (let e = 0; e < entries; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 15; i++) ops.push({ type: "pref.set", key: `k.${e}.${i}`, value });
    await mesh.write(a, ops);
  }
  const err = await assertRejectsMycel(() => a.home.checkpoint(), "checkpoint_too_large");
  assert.match(
    err.message,
    /^Cannot make a checkpoint: the state is larger than a checkpoint may be \(64 MiB/,
  );
  assert.match(err.hint ?? "", /new devices can't pair through this one/);
});
