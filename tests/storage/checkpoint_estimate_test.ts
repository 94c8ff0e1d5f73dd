/**
 * @module checkpoint_estimate_test
 * The estimate pairing uses to send a large state in parts at once
 * (src/storage/checkpoint_estimate.ts) errs low, but not by much, against
 * the checkpoint itself: a state it puts past the bounds is past them, and
 * a state near them is still tried whole. Real database.
 */

import assert from "node:assert/strict";
import { DeviceKey } from "../../src/log/device_key.ts";
import { newDeviceRecord } from "../../src/log/device_record.ts";
import type { Op } from "../../src/log/ops.ts";
import { makeHome } from "./helpers.ts";

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

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

/** A home whose own device admitted 3,000 made-up devices (each with `endpoints`). */
async function madeUpMembers(
  endpoints: string[],
): Promise<{ estimate: number; items: number; real: number }> {
  await using h = await makeHome(0, "estimate");
  const w = await h.writer();
  try {
    for (let e = 0; e < 30; e++) {
      const ops: Op[] = [];
      for (let i = 0; i < 100; i++) {
        const key = DeviceKey.of(randomBytes(32));
        const record = newDeviceRecord(
          key,
          { noisePublic: randomBytes(32), wgPublic: randomBytes(32) },
          `made-up ${e}.${i}`,
          { endpoints },
        );
        ops.push({ type: "device.add", device: record });
      }
      await w.write((tx) => tx.commit(ops));
    }
    const estimate = await w.checkpointEstimate();
    return { estimate: estimate.bytes, items: estimate.items, real: (await w.checkpoint()).length };
  } finally {
    w.close();
  }
}

Deno.test("a checkpoint's estimate counts its member rows: a small state of many made-up devices one member admitted is estimated large, and still at most the real size", async () => {
  // Each with 16 long endpoints (any member may admit such devices).
  const endpoints = Array.from(
    { length: 16 },
    (_, i) => `device-${i}.${"x".repeat(50)}.example:${i + 1}`,
  );
  const long = await madeUpMembers(endpoints);
  assert.ok(long.real > 2_000_000, `the checkpoint holds the member rows: ${long.real}`);
  assert.ok(long.estimate <= long.real, `${long.estimate} <= ${long.real}`);
  // Before: 128,647 for 4,025,224 (made whole, outside the cut gate, at each session).
  assert.ok(long.estimate >= long.real * 0.5, `${long.estimate} >= 0.5 × ${long.real}`);
  assert.ok(long.items >= 3000 * 5, `${long.items} items`);
  // Rows with no endpoints: mostly keys, which the checkpoint holds as indices.
  const lean = await madeUpMembers([]);
  assert.ok(lean.estimate <= lean.real, `${lean.estimate} <= ${lean.real}`);
});
