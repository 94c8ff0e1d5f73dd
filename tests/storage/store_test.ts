/**
 * @module store_test
 * A device's state on disk, in real temporary homes: commit/save/reopen keep
 * the state digest; entries committed but never saved (a crash) are replayed;
 * torn tails are cut by writers and ignored by readers; damage before the end
 * of a segment is `corrupt_log` naming the file and byte offset; a damaged
 * snapshot is rebuilt from the log without losing anything intact; and
 * `entriesAfter` serves stored entries.
 */

import assert from "node:assert/strict";
import { compareHlc } from "../../src/crdt/hlc.ts";
import { isMycelError } from "../../src/errors.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import type { Op } from "../../src/log/ops.ts";
import { stateDigest } from "../../src/log/state_codec.ts";
import { acquireLock } from "../../src/storage/lock.ts";
import { segmentPath } from "../../src/storage/log_dir.ts";
import { encodeRecords, parseRecords } from "../../src/storage/segment.ts";
import { Store } from "../../src/storage/store.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { TestDevice, testKeys } from "../log/helpers.ts";
import { appendBytes, flipByte, listDir, makeHome, modeOf, tempDir } from "./helpers.ts";

const [, OTHER_KEYS] = await testKeys(2);

const ops = (i: number): Op[] => [
  { type: "pref.set", key: `k${i % 3}`, value: `v${i}` },
  { type: "app.add", name: `app${i}` },
  { type: "pattern.add", id: `p${i % 2}`, value: { id: `p${i % 2}`, i } },
];

/** Record offsets of a segment file, from its bytes. */
async function recordOffsets(path: string): Promise<number[]> {
  return parseRecords(await Deno.readFile(path)).records.map((r) => r.offset);
}

function headsOf(s: Store): [string, number, string, number][] {
  return [...s.heads].map(([a, h]) =>
    [a, h.seq, h.hash.toHex(), h.offset] as [string, number, string, number]
  )
    .sort();
}

Deno.test("Store.exists() and Store.open() of an uninitialised folder (not_initialized)", async () => {
  await using dir = await tempDir();
  assert.equal(await Store.exists(dir.path), false);
  await assertRejectsMycel(() => Store.open(dir.path, { write: false }), "not_initialized");
  await using home = await makeHome();
  assert.equal(await Store.exists(home.root), true);
});

Deno.test("commit() + save(), then reopen: same state digest, heads and clock", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  const e1 = await w.commit(ops(1));
  home.now += 5;
  const e2 = await w.commit(ops(2));
  assert.equal(e1.entry.seq, 1);
  assert.equal(e2.entry.seq, 2);
  assert.deepEqual(e2.entry.prev, e1.hash);
  assert.equal(e2.entry.author, home.id);
  const digest = await stateDigest(w.state);
  const heads = headsOf(w);
  const clock = w.clock.last;
  await w.save();
  w.close();

  for (const open of [() => home.reader(), () => home.writer()]) {
    const r = await open();
    assert.equal(await stateDigest(r.state), digest);
    assert.deepEqual(headsOf(r), heads);
    assert.deepEqual(r.local.clock, { wall: clock.wall, counter: clock.counter });
    assert.equal(r.state.prefs.get("k2"), "v2");
    assert.equal(r.deviceId, home.id);
    r.close();
  }
  assert.deepEqual(home.warnings, []);
});

Deno.test("the home's files are 0600 and no temporary file is left behind", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  await w.commit(ops(1));
  await w.save();
  await w.save();
  w.close();
  for (
    const f of [
      home.paths.snapshot,
      home.paths.keys,
      home.paths.info,
      segmentPath(home.paths, home.id),
    ]
  ) {
    assert.equal(await modeOf(f), 0o600, f);
  }
  assert.deepEqual(await listDir(home.root), [
    "forks",
    "home.json",
    "keys.cbor",
    "lock",
    "log",
    "state.cbor",
  ]);
  assert.deepEqual(await listDir(home.paths.logDir), [`${home.id.replaceAll("-", "")}.log`]);
});

Deno.test("entries committed but not saved (a crash before save) are replayed on the next open", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  await w.commit(ops(1));
  await w.save();
  await w.commit(ops(2));
  await w.commit(ops(3));
  const digest = await stateDigest(w.state);
  const heads = headsOf(w);
  w.close(); // no save: the snapshot only covers entry 1

  const r = await home.reader();
  assert.equal(await stateDigest(r.state), digest);
  assert.deepEqual(headsOf(r), heads);
  r.close();
  const w2 = await home.writer();
  assert.equal(await stateDigest(w2.state), digest);
  assert.equal((await w2.entriesAfter(home.id, 0)).length, 3);
  w2.close();
});

Deno.test("after a replay the clock is past every replayed own entry, even if the wall clock stepped back", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  await w.commit(ops(1));
  const last = await w.commit(ops(2));
  w.close(); // crash: never saved, the snapshot does not exist at all
  home.now -= 3_600_000; // the wall clock steps back an hour
  const w2 = await home.writer();
  const next = await w2.commit(ops(3));
  assert.ok(compareHlc(next.entry.hlc, last.entry.hlc) > 0, "new stamp must be newer");
  assert.equal(next.entry.seq, 3);
  assert.deepEqual(next.entry.prev, last.hash);
  w2.close();
});

Deno.test("a torn tail is ignored by a reader and cut by a writer", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  await w.commit(ops(1));
  await w.save();
  await w.commit(ops(2)); // unsaved, but fsynced: must survive
  const digest = await stateDigest(w.state);
  const good = headsOf(w);
  w.close();
  const seg = segmentPath(home.paths, home.id);
  const size = (await Deno.stat(seg)).size;
  // A crash mid-append: the first 30 bytes of a real record.
  const torn = encodeRecords([(await new TestDevice(home.keys).append(ops(9), 1)).bytes]).subarray(
    0,
    30,
  );
  await appendBytes(seg, torn);

  const r = await home.reader();
  assert.equal(await stateDigest(r.state), digest);
  assert.deepEqual(headsOf(r), good);
  r.close();
  assert.equal((await Deno.stat(seg)).size, size + 30, "a reader never writes");

  const w2 = await home.writer();
  assert.equal(await stateDigest(w2.state), digest);
  assert.equal((await Deno.stat(seg)).size, size, "the writer cut the torn tail");
  await w2.commit(ops(3));
  await w2.save();
  w2.close();
  const r2 = await home.reader();
  assert.equal(r2.heads.get(home.id)?.seq, 3);
  assert.equal((await r2.entriesAfter(home.id, 0)).length, 3);
  r2.close();
});

Deno.test("a few stray bytes after the last record are a torn tail too", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  await w.commit(ops(1));
  w.close();
  const seg = segmentPath(home.paths, home.id);
  const size = (await Deno.stat(seg)).size;
  await appendBytes(seg, new Uint8Array([1, 2, 3]));
  const w2 = await home.writer();
  assert.equal(w2.heads.get(home.id)?.seq, 1);
  assert.equal((await Deno.stat(seg)).size, size);
  w2.close();
});

Deno.test("a flipped byte in a record that precedes others is corrupt_log naming the file and offset", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  for (let i = 1; i <= 3; i++) await w.commit(ops(i));
  w.close(); // never saved: every record is replayed on open
  const seg = segmentPath(home.paths, home.id);
  const offsets = await recordOffsets(seg);
  assert.equal(offsets.length, 3);
  await flipByte(seg, offsets[1] + 8 + 20);
  const damaged = await Deno.readFile(seg);

  for (const open of [() => home.reader(), () => home.writer()]) {
    const e = await assertRejectsMycel(open, "corrupt_log");
    assert.ok(e.message.includes(seg), e.message);
    assert.ok(e.message.includes(`at byte ${offsets[1]}`), e.message);
    assert.match(e.hint ?? "", /mycel repair/);
  }
  // A writer that failed to load released the lock.
  const lock = await acquireLock(home.paths.lock, 200);
  lock.release();
  assert.deepEqual(await Deno.readFile(seg), damaged, "nothing was cut or rewritten");
});

Deno.test("a damaged length field before intact records is corrupt_log; a writer never cuts them", async () => {
  // BUG (see segment_test): a length that now points past the end of the file
  // is taken for a torn tail, so the writer truncates the segment there and
  // entries 2 and 3, committed and fsynced, silently disappear.
  await using home = await makeHome();
  const w = await home.writer();
  await w.commit(ops(1));
  await w.save(); // the snapshot covers entry 1 only
  await w.commit(ops(2));
  await w.commit(ops(3));
  w.close();
  const seg = segmentPath(home.paths, home.id);
  const offsets = await recordOffsets(seg);
  await flipByte(seg, offsets[1] + 1, 0x01); // length += 256: past the end of the file
  const before = await Deno.readFile(seg);
  let store: Store | undefined;
  try {
    store = await home.writer();
  } catch (e) {
    assert.ok(isMycelError(e, "corrupt_log"), String(e));
  }
  const seq = store?.heads.get(home.id)?.seq;
  store?.close();
  assert.deepEqual(
    await Deno.readFile(seg),
    before,
    `the writer cut the segment (now at seq ${seq})`,
  );
  assert.equal(store, undefined, "opening must fail with corrupt_log");
});

Deno.test("damage inside records the snapshot covers is reported by entriesAfter()", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  for (let i = 1; i <= 3; i++) await w.commit(ops(i));
  await w.save();
  w.close();
  const seg = segmentPath(home.paths, home.id);
  const offsets = await recordOffsets(seg);
  await flipByte(seg, offsets[0] + 8 + 5);
  const r = await home.reader(); // the snapshot covers the records: nothing to replay
  const e = await assertRejectsMycel(() => r.entriesAfter(home.id, 0), "corrupt_log");
  assert.ok(e.message.includes(seg));
  assert.ok(e.message.includes(`at byte ${offsets[0]}`), e.message);
  r.close();
});

Deno.test("a segment the snapshot covers that is missing or shorter is corrupt_log", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  for (let i = 1; i <= 2; i++) await w.commit(ops(i));
  await w.save();
  w.close();
  const seg = segmentPath(home.paths, home.id);
  const bytes = await Deno.readFile(seg);

  await Deno.writeFile(seg, bytes.subarray(0, bytes.length - 40));
  const short = await assertRejectsMycel(() => home.reader(), "corrupt_log");
  assert.ok(short.message.includes(seg));

  await Deno.remove(seg);
  const missing = await assertRejectsMycel(() => home.reader(), "corrupt_log");
  assert.ok(missing.message.includes(seg));
  assert.match(missing.message, /missing/);
});

Deno.test("a damaged snapshot is rebuilt from the log: the warning names it, nothing intact is lost", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  const other = new TestDevice(OTHER_KEYS);
  for (let i = 1; i <= 3; i++) {
    await w.commit(ops(i));
    home.now += 1000;
    await w.appendVerified([await other.append(ops(10 + i), home.now - 500)]);
  }
  await w.save();
  const digest = await stateDigest(w.state);
  const heads = headsOf(w);
  w.close();
  const original = await Deno.readFile(home.paths.snapshot);

  const positions = [
    0,
    7,
    8,
    12,
    20,
    43,
    44,
    60,
    Math.floor(original.length / 2),
    original.length - 1,
  ];
  for (const at of positions) {
    const bytes = original.slice();
    bytes[at] ^= 0x20;
    await Deno.writeFile(home.paths.snapshot, bytes);
    home.warnings.length = 0;

    const r = await home.reader();
    assert.equal(await stateDigest(r.state), digest, `reader, byte ${at}`);
    assert.deepEqual(headsOf(r), heads);
    r.close();
    assert.equal(home.warnings.length, 1);
    assert.ok(home.warnings[0].includes(home.paths.snapshot), home.warnings[0]);

    home.warnings.length = 0;
    const w2 = await home.writer();
    assert.equal(await stateDigest(w2.state), digest, `writer, byte ${at}`);
    assert.deepEqual(headsOf(w2), heads);
    assert.equal(home.warnings.length, 1);
    assert.ok(home.warnings[0].includes(home.paths.snapshot));
    const kept = (await listDir(home.root)).filter((f) => f.startsWith("state.cbor.damaged-"));
    assert.equal(kept.length, 1, "the writer keeps the damaged file aside");
    assert.ok(home.warnings[0].includes(kept[0]));
    assert.deepEqual(await Deno.readFile(`${home.root}/${kept[0]}`), bytes);
    w2.close();
    await Deno.remove(`${home.root}/${kept[0]}`);
  }
});

Deno.test("a truncated or emptied snapshot is rebuilt from the log too", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  for (let i = 1; i <= 2; i++) await w.commit(ops(i));
  await w.save();
  const digest = await stateDigest(w.state);
  w.close();
  const original = await Deno.readFile(home.paths.snapshot);
  for (const n of [0, 10, original.length - 1]) {
    await Deno.writeFile(home.paths.snapshot, original.subarray(0, n));
    const r = await home.reader();
    assert.equal(await stateDigest(r.state), digest);
    r.close();
  }
  await Deno.remove(home.paths.snapshot);
  home.warnings.length = 0;
  const r = await home.reader();
  assert.equal(await stateDigest(r.state), digest, "a missing snapshot is rebuilt silently");
  assert.deepEqual(home.warnings, []);
  r.close();
});

Deno.test("entriesAfter(author, n) returns the stored entries with seq > n, in order", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  const mine: SignedEntry[] = [];
  for (let i = 1; i <= 4; i++) mine.push(await w.commit(ops(i)));
  const other = new TestDevice(OTHER_KEYS);
  const theirs = [await other.append(ops(7), 1), await other.append(ops(8), 2)];
  await w.appendVerified(theirs);
  await w.save();

  const hex = (es: SignedEntry[]) => es.map((e) => e.bytes.toHex());
  assert.deepEqual(hex(await w.entriesAfter(home.id, 0)), hex(mine));
  assert.deepEqual((await w.entriesAfter(home.id, 2)).map((e) => e.entry.seq), [3, 4]);
  assert.deepEqual(await w.entriesAfter(home.id, 4), []);
  assert.deepEqual(await w.entriesAfter(home.id, 99), []);
  assert.deepEqual(hex(await w.entriesAfter(other.id, 0)), hex(theirs));
  assert.deepEqual((await w.entriesAfter(other.id, 1)).map((e) => e.entry.seq), [2]);
  const stranger = new TestDevice((await testKeys(3))[2]);
  assert.deepEqual(await w.entriesAfter(stranger.id, 0), []);
  w.close();

  const r = await home.reader();
  assert.deepEqual(hex(await r.entriesAfter(other.id, 0)), hex(theirs));
  r.close();
});

Deno.test("appendVerified() keeps each author in its own segment and applies the entries", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  const other = new TestDevice(OTHER_KEYS);
  const es = [await other.append(ops(1), 1), await other.append(ops(2), 2)];
  await w.appendVerified(es);
  assert.equal(w.heads.get(other.id)?.seq, 2);
  assert.equal(w.state.prefs.get("k2"), "v2");
  w.close(); // not saved: replayed from the other author's segment
  const r = await home.reader();
  assert.equal(r.heads.get(other.id)?.seq, 2);
  assert.equal(r.heads.get(home.id), undefined);
  assert.deepEqual(await listDir(home.paths.logDir), [`${other.id.replaceAll("-", "")}.log`]);
  r.close();
});

Deno.test("a read-only store refuses to commit, store entries or save", async () => {
  await using home = await makeHome();
  const r = await home.reader();
  r.useKeys(home.keys);
  await assertRejectsMycel(() => r.commit(ops(1)), "internal");
  await assertRejectsMycel(() => r.appendVerified([]), "internal");
  await assertRejectsMycel(() => r.save(), "internal");
  r.close();
});

Deno.test("a second writer times out with locked; readers open while a writer holds the lock", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  await w.commit(ops(1));
  await w.save();
  try {
    const e = await assertRejectsMycel(() => home.writer({ lockTimeoutMs: 200 }), "locked");
    assert.equal(e.value, `pid ${Deno.pid}`);
    const r = await home.reader();
    assert.equal(r.heads.get(home.id)?.seq, 1);
    r.close();
  } finally {
    w.close();
  }
  const w2 = await home.writer({ lockTimeoutMs: 200 });
  w2.close();
});

Deno.test("a reader opened mid-commit sees the old state or the new one, never a torn one", async () => {
  await using home = await makeHome();
  const w = await home.writer();
  await w.commit(ops(1));
  await w.save();
  const seen = new Set<number>();
  const readers: Promise<void>[] = [];
  for (let i = 2; i <= 6; i++) {
    const commit = w.commit(ops(i)).then(() => w.save());
    readers.push((async () => {
      try {
        const r = await home.reader();
        seen.add(r.heads.get(home.id)?.seq ?? 0);
        r.close();
      } catch (e) {
        assert.fail(`a reader failed: ${isMycelError(e) ? e.code : e}`);
      }
    })());
    await commit;
  }
  await Promise.all(readers);
  w.close();
  for (const s of seen) assert.ok(s >= 1 && s <= 6);
});
