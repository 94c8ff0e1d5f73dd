/**
 * @module compaction_test
 * Compaction in meshes of real homes linked in memory (tests/sync/_mem_mesh.ts):
 * - only entries every live device holds, and older than the retention,
 *   go; the state does not move, and a refold from the new base gives it
 *   back exactly;
 * - a device switched off holds back what it lacks; once retired, it does
 *   not (a retirement keeps everything of it any device is known to hold);
 * - a device restored from a backup older than its peers' compaction gets
 *   the state as a checkpoint and keeps the writes it made since;
 * - a retired device, once every live device holds all of it and has
 *   compacted it, is left out of the heads sessions exchange;
 * - a retired device is refused by everyone, and what it writes later
 *   reaches no one.
 */

import assert from "node:assert/strict";
import { heldAnywhere } from "../../src/cli/removal_target.ts";
import { readCheckpoint } from "../../src/log/checkpoint.ts";
import { settledIn } from "../../src/sync/acks.ts";
import { compactNow, DAY_MS } from "../../src/sync/compact.ts";
import { type MemDevice, MemMesh, pref, refoldedDigest } from "./_mem_mesh.ts";

async function rounds(mesh: MemMesh, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await mesh.timerRound();
}

/** `by` retires `gone` as `mesh retire` does. */
async function retire(mesh: MemMesh, by: MemDevice, gone: MemDevice): Promise<void> {
  await mesh.write(by, [
    { type: "device.revoke", device: gone.key, upTo: heldAnywhere(by.home, gone.key) },
    { type: "device.retire", device: gone.key },
  ]);
}

function seqs(d: MemDevice): Map<string, { seq: number; base: number }> {
  return new Map([...d.home.log.heads()].map(([a, h]) => [a.hex, { seq: h.seq, base: h.base }]));
}

Deno.test("compaction drops only what every live device holds and is older than the retention; the state and a refold stay the same", async () => {
  await using mesh = await MemMesh.create(3);
  const [a, b, c] = mesh.devices;
  await mesh.peerAll();
  for (let i = 0; i < 6; i++) await mesh.write(mesh.devices[i % 3], pref(`k${i % 2}`, `v${i}`));
  await rounds(mesh, 2);
  const old = seqs(a);

  // C is switched off; A writes what C never gets.
  c.up = false;
  mesh.now += DAY_MS;
  const lacked = await mesh.write(a, pref("k0", "while c is off"));
  await rounds(mesh, 2);
  mesh.now += 20 * DAY_MS;

  const digest = a.home.digest(), stored = a.home.log.count();
  assert.deepEqual(
    (await compactNow(a.home, { keepDays: 30 })).moves,
    [],
    "nothing is 30 days old",
  );
  const r = await compactNow(a.home, { keepDays: 10 });
  const now = seqs(a);
  for (const [hex, h] of old) {
    const want = hex === a.key.hex ? lacked.entry.seq - 1 : h.seq;
    assert.equal(now.get(hex)!.base, want, `base of ${hex.slice(0, 8)}`);
  }
  assert.equal(r.dropped, stored - a.home.log.count());
  assert.ok(r.dropped >= 6);
  assert.equal(a.home.digest(), digest, "the state did not move");
  assert.equal(await refoldedDigest(a), digest, "a refold from the new base gives it back");
  assert.equal(a.home.log.range(a.key, lacked.entry.seq - 1, lacked.entry.seq).length, 1);

  // Retired, C holds nothing back: B holds A's last write, so it goes too.
  await retire(mesh, a, c);
  await rounds(mesh, 1);
  mesh.now += 20 * DAY_MS;
  await compactNow(a.home, { keepDays: 10 });
  assert.ok(seqs(a).get(a.key.hex)!.base >= lacked.entry.seq, "C no longer holds it back");
  assert.equal(a.home.digest(), b.home.digest());
  assert.equal(await refoldedDigest(a), a.home.digest());
});

Deno.test("a device restored from a backup older than its peers' compaction gets a checkpoint and keeps its new writes", async () => {
  await using mesh = await MemMesh.create(3);
  const [a, b, c] = mesh.devices;
  await mesh.peerAll();
  for (let i = 0; i < 4; i++) await mesh.write(mesh.devices[i % 3], pref(`k${i}`, `v${i}`));
  await rounds(mesh, 2);
  const copy = mesh.backup(c);
  for (let i = 0; i < 6; i++) await mesh.write(i % 2 ? a : b, pref(`k${i % 3}`, `w${i}`));
  await rounds(mesh, 2); // C holds all of it, and A and B know
  mesh.now += 60_000;
  for (const d of [a, b]) assert.ok((await compactNow(d.home, { keepDays: 0 })).dropped > 0);
  // Heads held only as far as the base still come with their signed entries
  // (the base keeps them): a member refuses a head past its own without one.
  const cp = await readCheckpoint(await a.home.checkpoint());
  const baseOnly = cp.frontier.filter((f) =>
    a.home.log.range(f.author, f.seq - 1, f.seq).length === 0
  );
  assert.ok(baseOnly.length > 0, "some chain is held only as far as its base");
  for (const f of cp.frontier) assert.ok(f.proof, `${f.author.short}'s head has its entry`);

  await mesh.restore(c, copy); // C lost what came after its backup
  await mesh.write(c, pref("note", "written after the restore"));
  const outcomes = await mesh.round(c);
  assert.ok(
    outcomes.some((o) => o.status === "synced" && o.exchange?.took !== undefined),
    "a peer whose history starts above C's heads sends the state",
  );
  await rounds(mesh, 1);
  assert.equal(new Set(mesh.digests()).size, 1);
  for (const d of mesh.devices) assert.equal(d.home.view.pref("note"), "written after the restore");
  assert.equal(c.home.view.pref("k0"), a.home.view.pref("k0"));
  const history = Object.values(c.home.local.get("history") ?? {});
  assert.ok(history.some((h) => h.how === "checkpoint"), "C's log says where its history starts");
});

Deno.test("a retired device, held in full and compacted everywhere, leaves the heads sessions exchange", async () => {
  await using mesh = await MemMesh.create(4);
  const [a, b, c, d] = mesh.devices;
  await mesh.peerAll();
  for (let i = 0; i < 8; i++) await mesh.write(mesh.devices[i % 4], pref(`k${i % 3}`, `v${i}`));
  await rounds(mesh, 2);
  d.up = false;
  await retire(mesh, a, d);
  // Every device learns the retirement and what the others hold, then compacts all of it.
  for (let i = 0; i < 3; i++) {
    await rounds(mesh, 1);
    mesh.now += 60_000;
    for (const x of [a, b, c]) await compactNow(x.home, { keepDays: 0 });
  }
  for (const x of [a, b, c]) {
    assert.deepEqual([...settledIn(x.home)], [d.key], `${x.name} settled the retired device`);
    assert.ok(x.home.log.heads().has(d.key), "its chain's end is kept (for the digest)");
  }
  await mesh.write(a, pref("after", "retirement"));
  const outcomes = await mesh.round(a);
  assert.ok(outcomes.length > 0);
  for (const o of outcomes) {
    assert.equal(o.status, "synced");
    assert.equal(
      o.exchange!.headsSent,
      a.home.log.heads().size - 1,
      "the retired device is left out",
    );
    assert.equal(o.exchange!.sentCheckpoint, false);
  }
  await rounds(mesh, 1);
  assert.equal(new Set(mesh.digests()).size, 1);
});

Deno.test("a retired device is refused everywhere; what it writes afterwards reaches no one", async () => {
  await using mesh = await MemMesh.create(3);
  const [a, b, c] = mesh.devices;
  await mesh.peerAll();
  await mesh.write(c, pref("before", "kept"));
  await rounds(mesh, 2);
  await retire(mesh, a, c);
  await mesh.round(a); // B learns it from A
  await mesh.write(c, pref("after", "never seen"));
  for (const o of await mesh.round(c)) {
    assert.equal(o.status, "refused");
    assert.equal(o.code, "removed");
  }
  await rounds(mesh, 2);
  for (const x of [a, b]) {
    assert.equal(x.home.view.pref("before"), "kept");
    assert.equal(x.home.view.pref("after"), undefined);
    assert.equal(x.home.view.member(c.key)?.removed?.cut, c.home.log.head(c.key)!.seq - 1);
  }
  assert.equal(a.home.digest(), b.home.digest());
});

Deno.test("retiring keeps a device's changes that a peer holds beyond what the retiring device holds", async () => {
  await using mesh = await MemMesh.create(3);
  const [a, b, c] = mesh.devices;
  await mesh.peerAll();
  await rounds(mesh, 2);
  mesh.partition((x, y) => x === a || y === a); // A is cut off
  await mesh.write(c, pref("last", "words"));
  await mesh.round(c); // to B only
  c.up = false;
  // What a session with B would tell A: B holds C's last entry (A does not).
  const last = b.home.log.head(c.key)!.seq;
  await a.home.write((w) => w.peer(b.key, (book) => book.heads[c.key.hex] = last));
  assert.equal(a.home.log.head(c.key)!.seq, last - 1);
  assert.equal(heldAnywhere(a.home, c.key), last);
  await retire(mesh, a, c);
  mesh.heal();
  await rounds(mesh, 2);
  for (const x of [a, b]) {
    assert.equal(x.home.view.member(c.key)?.removed?.cut, last);
    assert.equal(x.home.view.pref("last"), "words", `${x.name} keeps C's last change`);
  }
  assert.equal(a.home.digest(), b.home.digest());
});

Deno.test("a sync round compacts at most once a day, keeping this device's retention", async () => {
  await using mesh = await MemMesh.create(2, { compact: true });
  const [a, b] = mesh.devices;
  await mesh.peerAll();
  for (let i = 0; i < 4; i++) await mesh.write(a, pref("k", `v${i}`));
  await rounds(mesh, 2); // the first compaction ran: nothing was 90 days old
  assert.equal(a.home.log.heads().get(a.key)!.base, 0);
  await a.home.write((w) => w.setLocal("retention", { days: 1 }));
  mesh.now += 2 * DAY_MS;
  await mesh.round(a);
  assert.ok(a.home.log.heads().get(a.key)!.base > 0, "a day later, with 1 day kept, it compacts");
  const at = a.home.local.get("compaction")!.at;
  await mesh.write(a, pref("k", "later"));
  await rounds(mesh, 1);
  mesh.now += 2 * DAY_MS;
  await a.home.write((w) => w.setLocal("retention", { days: null }));
  await mesh.round(a);
  assert.equal(a.home.local.get("compaction")!.at, at, "never: no compaction");
  assert.equal(a.home.digest(), b.home.digest());
});
