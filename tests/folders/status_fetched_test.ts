/**
 * `folder status` counts what a device still lacks of a large file it is
 * fetching, on real processes: while b's `sync now` is held midway through
 * a file, a (after a round of its own) shows b "behind by 1 file and" the
 * bytes b has not recorded yet — b's progress record, published with its
 * first recorded transfer, leaves out the chunks its transfer row holds,
 * durable — and b shows the same of itself, with what it holds
 * (`fetched_bytes`, its own line only); once b's round ends, both show b in
 * sync. The record keeps the shape every release decodes (no field added:
 * an older release refuses an op with one more field, and would stop
 * syncing with this device): the second test reads the entry a received and
 * decodes it with the log's codec, unchanged by this. Before issue 13, a
 * showed b behind by the whole file until b's round was over, however much
 * of it b held (a big first sync showed no progress on the other devices).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { humanBytes } from "../../src/human.ts";
import { decodeCbor } from "../../src/log/cbor.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { decodeSignedEntry } from "../../src/log/entry.ts";
import { homePaths } from "../../src/storage/home.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { type Device, type Devices, devices, put, sharedFolder, syncOk } from "./_helpers.ts";
import {
  recordedDone,
  sameBytes,
  stopOnceRecorded,
  stopWhileFetching,
  transferCount,
} from "./_fetch_hold.ts";

const MiB = 1 << 20;

interface Standing {
  name: string;
  self: boolean;
  state: string;
  behind_files: number;
  behind_bytes: number;
  fetched_bytes?: number;
}

/** `folder status docs --json` of `d`: `who`'s standing. */
async function standing(d: Device, who: Device): Promise<Standing> {
  const [s] = await d.tmp.json<{ devices: Standing[] }[]>(["folder", "status", "docs", "--json"]);
  const x = s.devices.find((x) => x.name === who.name);
  assert.ok(x !== undefined, `${who.name} on ${d.name}: no standing`);
  return x;
}

/**
 * a shares a file of `size` bytes; b's `sync now` is held (stopped) once it
 * has recorded a transfer of it, `midway` runs with the bytes b recorded,
 * then b's round ends; returns b's copy of the folder and the file's bytes.
 */
async function heldMidway(
  devs: Devices,
  size: number,
  midway: (done: number) => Promise<void>,
): Promise<{ root: string; data: Uint8Array }> {
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await syncOk(b); // b's first report (in sync): a measures b by it until the next
  const data = pseudoRandomBytes(size, 13);
  await put(ra, "big.bin", data);
  await syncOk(a);
  const p = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 180_000 });
  try {
    const held = await stopOnceRecorded(b.home, p.pid);
    assert.ok(held, `b was fetching when stopped:\n${p.stdout}${p.stderr}`);
    try {
      const done = recordedDone(b, a, "big.bin");
      assert.ok(done >= 16 * MiB && done < size, `b recorded ${done} bytes`);
      await midway(done);
    } finally {
      Deno.kill(p.pid, "SIGCONT");
    }
    const end = await p.result();
    assert.equal(end.code, 0, end.stdout + end.stderr);
  } finally {
    await p.stop();
  }
  return { root: rb, data };
}

Deno.test("folder status shows what another device still lacks of a large file while its round goes on", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const size = 64 * MiB;
  const { root, data } = await heldMidway(devs, size, async (done) => {
    // a hears b's record (published with that transfer row) in its next round.
    await syncOk(a);
    const s = await standing(a, b);
    assert.deepEqual(
      [s.state, s.behind_files, s.behind_bytes, "fetched_bytes" in s],
      ["behind", 1, size - done, false],
      `before: behind by the whole file (${size}): ${JSON.stringify(s)}`,
    );
    const r = await a.ok(["folder", "status", "docs"]);
    const line = `b (${b.id.slice(0, 7)}): behind by 1 file and ${humanBytes(size - done)} ` +
      "(as of its report ";
    assert.ok(r.stdout.includes(line), r.stdout);
    // b itself: what its transfer row holds, now, is fetched, not still to fetch.
    const own = await standing(b, b);
    assert.deepEqual(
      [own.state, own.behind_files, own.behind_bytes, own.fetched_bytes],
      ["behind", 1, size - done, done],
      `b on b: ${JSON.stringify(own)}`,
    );
    const ownText = await b.ok(["folder", "status", "docs"]);
    const ownLine = `b (this device): behind by 1 file and ${humanBytes(size - done)} ` +
      `(${humanBytes(done)} fetched)`;
    assert.ok(ownText.stdout.includes(ownLine), ownText.stdout);
  });
  assert.ok(await sameBytes(join(root, "big.bin"), data));
  // b's report after its round reaches a: in sync, nothing held of anything.
  await syncOk(a);
  for (const [d, who] of [[a, b], [b, b]] as const) {
    const s = await standing(d, who);
    assert.deepEqual(
      [s.state, s.behind_files, s.behind_bytes, s.fetched_bytes ?? 0],
      ["in_sync", 0, 0, 0],
      `${who.name} on ${d.name}`,
    );
  }
});

/** The raw entry `d` holds that carries `author`'s latest progress record for `docs`. */
function progressEntry(d: Device, author: Device): Uint8Array {
  const key = DeviceKey.fromId(author.id);
  const db = new DatabaseSync(homePaths(d.home).db, { readOnly: true });
  try {
    const row = db.prepare(
      "SELECT progress_seq AS seq FROM folder_devices WHERE folder = 'docs' AND device = ?",
    ).get(key.hex) as { seq: number } | undefined;
    assert.ok(row !== undefined && row.seq > 0, `no progress record of ${author.name}`);
    const entry = db.prepare("SELECT bytes FROM entries WHERE author = ? AND seq = ?")
      .get(key.bytes, row.seq) as { bytes: Uint8Array } | undefined;
    assert.ok(entry !== undefined, `entry ${row.seq} of ${author.name} not held`);
    return entry.bytes;
  } finally {
    db.close();
  }
}

Deno.test("a progress record published midway through a fetch has the fields every release decodes", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const size = 64 * MiB;
  await heldMidway(devs, size, async (done) => {
    await syncOk(a);
    const bytes = progressEntry(a, b);
    // The log's codec (src/log, the same in every release since folder.progress):
    // an op with a field more or less is refused ("op fp must have 6 fields").
    const ops = decodeSignedEntry(bytes).entry.ops.filter((o) => o.type === "folder.progress");
    assert.equal(ops.length, 1, "one progress record in the entry");
    const op = ops[0];
    assert.ok(op.type === "folder.progress");
    assert.deepEqual(
      [op.progress.needFiles, op.progress.needBytes, op.progress.conflicts, op.progress.stopped],
      [1, size - done, 0, ""],
      `before: b's record from before its round (0 files needed): ${JSON.stringify(op.progress)}`,
    );
    // On the wire: ["fp", folder, needFiles, needBytes, conflicts, stopped, frontier].
    const [body] = decodeCbor(bytes, "entry") as [Uint8Array];
    const wire = (decodeCbor(body, "body") as unknown[][])[6].find((o) =>
      (o as unknown[])[0] === "fp"
    ) as unknown[];
    assert.equal(wire.length, 7, JSON.stringify(wire.slice(0, 6)));
  });
});

Deno.test("a progress record published midway says nothing of versions that came in after the round planned: they count as still to fetch", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await syncOk(b);
  const size = 64 * MiB;
  await put(ra, "big.bin", pseudoRandomBytes(size, 13));
  await syncOk(a);
  const p = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 180_000 });
  try {
    // b's round has planned (it writes big.bin) and recorded no transfer yet.
    assert.ok(await stopWhileFetching(rb, p.pid, b.home), `b fetching:\n${p.stdout}${p.stderr}`);
    try {
      assert.equal(transferCount(b.home), 0, "stopped before b's first transfer row");
      // Meanwhile a's round hands b's server a new file: in b's state, not in its round's plan.
      await put(ra, "new.txt", "new\n");
      await syncOk(a);
      Deno.kill(p.pid, "SIGCONT");
      assert.ok(await stopOnceRecorded(b.home, p.pid), `b recorded:\n${p.stdout}${p.stderr}`);
      const done = recordedDone(b, a, "big.bin");
      await syncOk(a);
      const s = await standing(a, b);
      // Before: 1 file, the record's frontier (b's state when it was published)
      // covering new.txt, which b's round did not count nor fetch.
      assert.deepEqual(
        [s.state, s.behind_files, s.behind_bytes],
        ["behind", 2, size - done + 4],
        JSON.stringify(s),
      );
    } finally {
      Deno.kill(p.pid, "SIGCONT");
    }
    const end = await p.result();
    assert.equal(end.code, 0, end.stdout + end.stderr);
  } finally {
    await p.stop();
  }
  await syncOk(b);
  await syncOk(a);
  const s = await standing(a, b);
  assert.deepEqual([s.state, s.behind_files], ["in_sync", 0], JSON.stringify(s));
});
