/**
 * The ingest stream (src/storage/ingest_stream.ts): pushes are held to share
 * a transaction, taken in before any other write and at finish, to the same
 * state as one push each; and whichever transaction takes a batch in is the
 * one that records what it did (the clock it moved).
 */

import assert from "node:assert/strict";
import { makeHome, pairInProcess } from "./helpers.ts";

Deno.test("an ingest stream holds small pushes: another write takes them in first (kept when that write fails), finish the rest, same state as the sender", async () => {
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  await pairInProcess(a, b);
  const hb = await b.writer();
  for (let i = 0; i < 40; i++) {
    const key = `k${i % 3}`;
    await hb.write((tx) =>
      tx.commit([{
        type: "pref.set",
        key,
        value: `v${i}`,
        observed: tx.view.observed("prefs", key),
      }])
    );
  }
  const raw = hb.log.range(b.device, 0, undefined, 1000);
  const ha = await a.writer();
  try {
    const stream = ha.ingestStream();
    const half = raw.length >> 1;
    for (const r of raw.slice(0, half)) await stream.push([r]);
    await assert.rejects(ha.write(() => {
      throw new Error("a write that fails");
    }));
    assert.equal(ha.log.head(b.device)?.seq, half, "taken in before the other write, kept");
    for (const r of raw.slice(half)) await stream.push([r]);
    await stream.finish();
    assert.deepEqual(ha.view.prefs(), hb.view.prefs());
    assert.equal(ha.view.pref("k0"), "v39");
    assert.equal(ha.log.head(b.device)?.seq, hb.log.head(b.device)?.seq);
  } finally {
    ha.close();
    hb.close();
  }
});

Deno.test("entries taken in by a later transaction of the stream still move this device's clock", async () => {
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  await pairInProcess(a, b);
  const hb = await b.writer();
  const set = (i: number) =>
    hb.write((tx) => tx.commit([{ type: "pref.set", key: `k${i}`, value: `v${i}`, observed: [] }]));
  for (let i = 0; i < 3; i++) await set(i);
  const early = hb.log.head(b.device)!.seq;
  b.now += 60_000; // b's later entries are a minute newer (within the drift a clock follows)
  a.now = b.now;
  for (let i = 3; i < 6; i++) await set(i);
  const raw = hb.log.range(b.device, 0, undefined, 1000);
  const newest = hb.clock.last.wall;
  hb.close();
  const ha = await a.writer();
  try {
    const stream = ha.ingestStream();
    await stream.push(raw.slice(0, early));
    await ha.write((w) => w.setLocal("recoverOwnTo", undefined)); // takes the first push in
    await stream.push(raw.slice(early));
    await stream.finish(); // takes the rest in: another transaction
    assert.equal(ha.log.head(b.device)?.seq, raw.length);
    assert.ok(
      ha.clock.last.wall >= newest,
      `the clock saw b's newest entry (${ha.clock.last.wall} < ${newest})`,
    );
  } finally {
    ha.close();
  }
});

Deno.test("the hashing thread gives each entry's SHA-256, and undefined once closed", async () => {
  const { EntryHashes } = await import("../../src/storage/entry_hashes.ts");
  const { hashEntryBytes } = await import("../../src/log/entry.ts");
  const raw = Array.from({ length: 300 }, (_, i) => crypto.getRandomValues(new Uint8Array(i)));
  const hashes = new EntryHashes();
  try {
    const [first, second] = await Promise.all([
      hashes.hashes(raw.slice(0, 100)),
      hashes.hashes(raw.slice(100)),
    ]);
    assert.deepEqual([...first!, ...second!], raw.map((r) => hashEntryBytes(r)));
  } finally {
    hashes.close();
  }
  assert.equal(await hashes.hashes(raw), undefined, "closed: the caller hashes");
});

Deno.test("a long stream hashed on the second thread ends where the sender is; closed before finish, its held entries are still taken in", async () => {
  const { HASH_APART_FROM } = await import("../../src/storage/ingest_stream.ts");
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  await pairInProcess(a, b);
  const hb = await b.writer();
  const n = HASH_APART_FROM + 1_500;
  await hb.write(async (tx) => {
    for (let i = 0; i < n; i++) {
      await tx.commit([{ type: "pref.set", key: `k${i % 50}`, value: `v${i}`, observed: [] }]);
    }
  });
  const raw = hb.log.range(b.device, 0, undefined, n + 10);

  for (const closeFirst of [false, true]) {
    const ha = await a.writer();
    try {
      const stream = ha.ingestStream();
      for (let i = 0; i < raw.length; i += 1024) await stream.push(raw.slice(i, i + 1024));
      if (closeFirst) {
        stream.close(); // the session broke: the next write takes what is held in
        await ha.write(() => {});
      } else {
        const r = await stream.finish();
        assert.equal(r.refusedCount, 0);
      }
      assert.equal(ha.log.head(b.device)?.seq, hb.log.head(b.device)?.seq);
      assert.deepEqual(ha.view.prefs(), hb.view.prefs());
    } finally {
      ha.close();
    }
  }
  hb.close();
});
