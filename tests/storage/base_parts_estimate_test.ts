/**
 * @module base_parts_estimate_test
 * A base whose rows are plainly past one checkpoint's bounds (64 MiB) is
 * encoded in parts at once (src/storage/base_state.ts encodeBase, with the
 * lower bound of src/log/checkpoint_rows_estimate.ts): before, it was first
 * made as one whole checkpoint (up to 64 MiB of rows and their CBOR) only to
 * be refused (a compaction of 68 MB of state: 546–566 MiB max RSS before,
 * 430–473 MiB after; docs/sync_protocol.md). The
 * estimate is a true lower bound, so a base that fits is still one
 * checkpoint, the same bytes as before.
 */

import assert from "node:assert/strict";
import { makeCheckpoint } from "../../src/log/checkpoint.ts";
import { makePartedCheckpoint } from "../../src/log/checkpoint_parts.ts";
import { estimateRows, pastBounds } from "../../src/log/checkpoint_rows_estimate.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { Signer } from "../../src/log/identity.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import type { StateRows } from "../../src/log/state_rows.ts";
import { encodeBase } from "../../src/storage/base_state.ts";
import { Sim } from "../log/sim.ts";

const META = { mesh: "home-mesh", made: 1_700_000_000_000 };
const UNSIGNED = {
  publicKey: new Uint8Array(32),
  sign: () => Promise.resolve(new Uint8Array(64)),
} as unknown as Signer;
const AUTHOR = DeviceKey.of(new Uint8Array(32).fill(7));

/** 1,100 preferences of ~62 kB (about 68 MB), as the compaction of tests/sync/compaction_parts_test.ts folds. */
function pastOneCheckpoint(): MemoryState {
  const s = new MemoryState();
  const value = "v".repeat(62_000);
  for (let i = 0; i < 1100; i++) {
    s.space("prefs").put(`p.${i}`, {
      dot: { author: AUTHOR.hex, seq: i + 1 },
      stamp: { wall: META.made + i, counter: 0, node: AUTHOR.hex },
      value: `${value}${i}`,
    });
  }
  s.setSeen(AUTHOR, 1100);
  return s;
}

/**
 * `rows`, counting the checkpoint encodings begun on them: each (whole, or a
 * head in parts) reads the members once, after the keyspaces; the estimate
 * reads only the keyspaces.
 */
function counted(rows: StateRows): { rows: StateRows; encodings: () => number } {
  let encodings = 0;
  const proxy = new Proxy(rows, {
    get(target, name) {
      const v = Reflect.get(target, name, target);
      if (name !== "memberRows") return typeof v === "function" ? v.bind(target) : v;
      return () => {
        encodings++;
        return target.memberRows();
      };
    },
  });
  return { rows: proxy, encodings: () => encodings };
}

Deno.test("a base whose rows are past one checkpoint's bounds is encoded in parts without first making it whole", async () => {
  const state = pastOneCheckpoint();
  const estimate = estimateRows(state);
  assert.ok(pastBounds(estimate), "the rows alone are past 64 MiB");

  const alone = counted(state);
  const parted = await makePartedCheckpoint(alone.rows, [], META, UNSIGNED);
  assert.ok(estimate.bytes <= parted.bytes && estimate.bytes >= parted.bytes * 0.99);
  const base = counted(state);
  const encoded = await encodeBase(base.rows, [], META);
  assert.ok(!(encoded instanceof Uint8Array), "the base is in parts");
  assert.equal(encoded.count, parted.count);
  assert.equal(
    base.encodings(),
    alone.encodings(),
    "encoding the base began one encoding, the parts (no whole checkpoint first)",
  );
});

Deno.test("a base that fits one checkpoint is that checkpoint, and the estimate is at most its size", async () => {
  const sim = await Sim.create(11, {
    members: 4,
    outsiders: 1,
    removals: true,
    hostile: false,
    legacy: true,
  });
  for (let i = 0; i < 120; i++) await sim.step();
  await sim.deliverAll();
  const replica = sim.members[0].replica;
  const whole = await makeCheckpoint(replica, [], META, UNSIGNED);
  const estimate = estimateRows(replica);
  assert.ok(estimate.bytes <= whole.length, `${estimate.bytes} <= ${whole.length}`);
  assert.deepEqual(await encodeBase(replica, [], META), whole);
});
