/**
 * @module checkpoint_estimate_test
 * The estimate pairing uses to send a large state in parts at once
 * (src/storage/checkpoint_estimate.ts) errs low, but not by much, against
 * the checkpoint itself: a state it puts past the bounds is past them, and
 * a state near them is still tried whole. Real database.
 */

import assert from "node:assert/strict";
import type { Op } from "../../src/log/ops.ts";
import { makeHome } from "./helpers.ts";

Deno.test("a checkpoint's estimate from row sizes is at most its real size and within a tenth of it", async () => {
  await using h = await makeHome(0, "estimate");
  const w = await h.writer();
  try {
    for (let e = 0; e < 20; e++) {
      const ops: Op[] = [];
      for (let i = 0; i < 20; i++) {
        ops.push({ type: "pref.set", key: `k.${e}.${i}`, value: `${"v".repeat(200 * i)}${e}` });
        const value = e % 2 === 0 ? i : { n: i, list: [e, i, "x"], s: "é".repeat(i) };
        ops.push({ type: "config.set", key: `c.${e}.${i}`, value });
      }
      await w.write((tx) => tx.commit(ops));
    }
    // Overwritten and removed keys leave versions and floors behind.
    await w.write((tx) =>
      tx.commit([{ type: "pref.set", key: "k.0.1", value: "again" }, {
        type: "pref.unset",
        key: "k.0.2",
      }])
    );
    const estimate = await w.checkpointEstimate();
    const real = (await w.checkpoint()).length;
    assert.ok(estimate.bytes <= real, `${estimate.bytes} <= ${real}`);
    assert.ok(estimate.bytes >= real * 0.9, `${estimate.bytes} >= 0.9 × ${real}`);
    assert.ok(estimate.items >= 800 * 9, `${estimate.items} items`);
  } finally {
    w.close();
  }
});

Deno.test("a checkpoint's estimate counts its heads' signed entries: a small state under a large head entry is estimated large", async () => {
  await using h = await makeHome(0, "estimate");
  const w = await h.writer();
  try {
    // One entry of about 900 KB whose ops leave almost nothing in the state.
    const ops: Op[] = [];
    for (let i = 0; i < 15; i++) {
      ops.push({ type: "pref.set", key: `k${i}`, value: "v".repeat(60000) });
    }
    for (let i = 0; i < 15; i++) ops.push({ type: "pref.unset", key: `k${i}` });
    await w.write((tx) => tx.commit(ops));
    const estimate = await w.checkpointEstimate();
    const real = (await w.checkpoint()).length;
    assert.ok(real > 900_000, `the checkpoint holds the head's entry: ${real}`);
    assert.ok(estimate.bytes <= real, `${estimate.bytes} <= ${real}`);
    assert.ok(estimate.bytes >= real * 0.9, `${estimate.bytes} >= 0.9 × ${real}`);
  } finally {
    w.close();
  }
});
