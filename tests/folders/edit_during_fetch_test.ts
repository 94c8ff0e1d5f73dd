/**
 * A file edited on this device while its peer's version was being fetched
 * is not fetched twice. Real processes on 127.0.0.1: device b fetches a
 * 48 MiB version of `big.bin` from a (b's `sync now` held to a quarter of
 * the CPU with SIGSTOP/SIGCONT by PID, and stopped once its temporary file
 * exists), and b's user writes `big.bin` meanwhile. That round places
 * nothing (the edit is whole) and keeps the complete temporary file as a
 * transfer of a's version. The next round's scan publishes the edit, a
 * conflict with a's version, and a's content — at its conflict copy when
 * the edit wins, at `big.bin` when it loses — comes from that file: b
 * fetches no chunk (`sync now --json`, `files.bytes` of each peer), where
 * before it fetched all 48 MiB again. Both devices end with the same tree,
 * one conflict copy named as usual, and no temporary file or transfer left.
 * A kept file rewritten in place, truncated or replaced by a link between
 * the rounds never puts other bytes at the conflict copy.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { homePaths } from "../../src/storage/home.ts";
import { utcStamp } from "../../src/files/conflict_name.ts";
import { describe } from "../helpers/mycel.ts";
import { sameBytes, stopWhileFetching } from "./_fetch_hold.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { removeStaleTemps } from "../../src/files/stale_temps.ts";
import {
  type Device,
  type Devices,
  devices,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncNow,
  syncOk,
  tempFiles,
  text,
  treeHash,
} from "./_helpers.ts";

const MiB = 1 << 20;

/** The temporary files named in the `transfers` table of `d`'s home (what its sweep keeps). */
function transferTemps(d: Device): string[] {
  const db = new DatabaseSync(homePaths(d.home).db, { readOnly: true });
  try {
    return (db.prepare("SELECT temp FROM transfers").all() as { temp: string }[]).map((r) =>
      r.temp
    );
  } finally {
    db.close();
  }
}

/** A `sync now --json` of `d`: its exit code and the chunk bytes its file phase fetched. */
async function syncFetched(d: Device): Promise<{ code: number; bytes: number; shown: string }> {
  const r = await d.run(["sync", "now", "--json", "--timeout", "10"]);
  const shown = describe(["sync", "now", "--json"], r);
  const rows = JSON.parse(r.stdout) as { files: { bytes: number } | null }[];
  return { code: r.code, bytes: rows.reduce((n, p) => n + (p.files?.bytes ?? 0), 0), shown };
}

/**
 * Round 1: a publishes a 48 MiB `big.bin`, and b's user saves `big.bin`
 * while b fetches it (with an mtime older than a's when `editWins` is
 * false: it then loses, Conflicts in docs/folders.md). Checks that nothing
 * was placed and the fetched file is kept; returns what the rounds after need.
 */
async function editDuringFetch(devs: Devices, seed: number, editWins: boolean) {
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "big.bin", "the first version\n");
  await rounds([a, b], 1);
  assert.equal(await text(rb, "big.bin"), "the first version\n");

  const theirs = pseudoRandomBytes(48 * MiB, seed);
  await put(ra, "big.bin", theirs);
  const theirMtime = (await Deno.lstat(join(ra, "big.bin"))).mtime!.getTime();
  await syncOk(a);

  const mine = "b's own edit\n";
  const p = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 180_000 });
  let r;
  try {
    const stopped = await stopWhileFetching(rb, p.pid, b.home);
    assert.ok(stopped, `b was fetching when stopped:\n${p.stdout}${p.stderr}`);
    try {
      await put(rb, "big.bin", mine);
      const old = new Date(theirMtime - 3600_000);
      if (!editWins) await Deno.utime(join(rb, "big.bin"), old, old);
    } finally {
      Deno.kill(p.pid, "SIGCONT");
    }
    r = await p.result();
  } finally {
    await p.stop();
  }
  assert.equal(await text(rb, "big.bin"), mine, "b's edit is whole");
  assert.match(r.stderr, /big\.bin: it changed on this device meanwhile/, r.stderr);
  assert.deepEqual(await listTree(rb), ["big.bin"], "nothing was placed");
  const kept = tempFiles(rb);
  assert.equal(kept.length, 1, `the fetched file is kept: ${kept.join(", ")}`);
  assert.equal((await Deno.lstat(join(rb, kept[0]))).size, theirs.length);
  assert.deepEqual(transferTemps(b), kept, "kept as a transfer");
  return { a, b, ra, rb, theirs, theirMtime, mine, kept: kept[0] };
}

for (const editWins of [true, false]) {
  Deno.test(
    `a file edited here during its fetch is not fetched again for the conflict (the edit ${
      editWins ? "wins" : "loses"
    })`,
    async () => {
      await using devs = await devices(["a", "b"]);
      const { a, b, ra, rb, theirs, theirMtime, mine } = await editDuringFetch(
        devs,
        editWins ? 31 : 32,
        editWins,
      );

      // Round 2: b's scan publishes the edit; a's content comes from what round 1 fetched.
      const second = await syncFetched(b);
      assert.ok(second.bytes < 64 << 10, `round 2 fetched ${second.bytes} bytes:\n${second.shown}`);

      await rounds([a, b, a], 1);
      const loser = editWins
        ? `big.sync-conflict-${utcStamp(theirMtime)}-${a.id.slice(0, 7)}.bin`
        : `big.sync-conflict-${utcStamp(theirMtime - 3600_000)}-${b.id.slice(0, 7)}.bin`;
      for (const [d, root] of [[a, ra], [b, rb]] as const) {
        const tree = await listTree(root);
        assert.deepEqual(tree, ["big.bin", loser].sort(), `${d.name}: ${tree.join(", ")}`);
        const [theirsAt, mineAt] = editWins ? [loser, "big.bin"] : ["big.bin", loser];
        assert.equal(await text(root, mineAt), mine, `${d.name}: b's edit is at ${mineAt}`);
        assert.ok(await sameBytes(join(root, theirsAt), theirs), `${d.name}: a's at ${theirsAt}`);
      }
      assert.equal(await treeHash(ra), await treeHash(rb));
      assert.deepEqual(tempFiles(rb), [], "the kept file went with its use");
      assert.deepEqual(transferTemps(b), [], "and so did its transfer");
    },
  );
}

Deno.test("a file kept from a fetch whose version a newer one replaced is let go", async () => {
  await using devs = await devices(["a", "b"]);
  const { a, b, ra, rb, mine, kept } = await editDuringFetch(devs, 33, true);
  // a replaces the version b kept before b's next round: nothing can use it any more.
  // Older than b's edit, so b's edit stays at big.bin (this one becomes the
  // conflict copy) and nothing is written there that would drop it anyway.
  await put(ra, "big.bin", "a's second version\n");
  const old = new Date(Date.now() - 3600_000);
  await Deno.utime(join(ra, "big.bin"), old, old);
  await syncOk(a);
  await syncNow(b); // the conflict of the two edits; what it says is not the point here
  assert.deepEqual(transferTemps(b), [], "its transfer is dropped");
  // So the sweep of stale temporary files (hourly, an hour after their last
  // change) deletes it, as any other; before, a kept transfer's file stayed.
  const keep = new Set(transferTemps(b)); // as folder_round.ts builds it
  const removed = await removeStaleTemps(rb, { now: Date.now() + 2 * 3600_000, keep });
  assert.deepEqual(removed, [kept]);
  await rounds([a, b, a], 1);
  assert.equal(await text(rb, "big.bin"), mine);
  assert.equal((await listTree(rb)).length, 2, "big.bin and a's second version's copy");
  assert.equal(await treeHash(ra), await treeHash(rb));
});

/** What happens to the kept file on b's disk between the rounds. */
const changes: [string, (abs: string, size: number) => Promise<void>][] = [
  // Same size: only the bytes can tell (a tool that rewrites files in place).
  ["edited in place", async (abs, size) => {
    const f = await Deno.open(abs, { write: true });
    try {
      await f.seek(Math.floor(size / 2), Deno.SeekMode.Start);
      await f.write(new Uint8Array(4096).fill(0x5a));
    } finally {
      f.close();
    }
  }],
  ["truncated", (abs) => Deno.truncate(abs, 1 << 20)],
  ["replaced by a link to another file of its size", async (abs, size) => {
    const other = `${abs}.other`;
    await Deno.writeFile(other, new Uint8Array(size).fill(0x61));
    await Deno.remove(abs);
    await Deno.symlink(other, abs);
  }],
];

for (const [how, change] of changes) {
  Deno.test(`a kept fetched file ${how} before the next round never puts wrong bytes`, async () => {
    await using devs = await devices(["a", "b"]);
    const { a, b, ra, rb, theirs, theirMtime, mine, kept } = await editDuringFetch(devs, 34, true);
    await change(join(rb, kept), theirs.length);

    const second = await syncFetched(b);
    assert.equal(second.code, 0, second.shown);
    // Only what no longer matches is fetched again: the chunk or two the 4 KiB touched.
    if (how === "edited in place") assert.ok(second.bytes <= 2 << 20, `${second.bytes} fetched`);
    const loser = `big.sync-conflict-${utcStamp(theirMtime)}-${a.id.slice(0, 7)}.bin`;
    assert.equal(await text(rb, "big.bin"), mine);
    assert.ok(
      await sameBytes(join(rb, loser), theirs),
      `b: a's bytes at ${loser}\n${second.shown}`,
    );
    await rounds([a, b, a], 1);
    assert.ok(await sameBytes(join(ra, loser), theirs), "a: its own bytes at the copy");
    assert.equal(await treeHash(ra), await treeHash(rb));
    if (how.startsWith("replaced by a link")) {
      // The link left at the kept file's name goes with the hourly sweep an
      // hour on (itself: what it leads to is removed only as a stale
      // temporary file of its own); before, a link was never swept.
      const keep = new Set(transferTemps(b));
      const removed = await removeStaleTemps(rb, { now: Date.now() + 2 * 3600_000, keep });
      assert.ok(removed.includes(kept), `${removed}`);
      assert.deepEqual(tempFiles(rb), [], "no temporary entry left");
      assert.equal(await text(rb, "big.bin"), mine);
    }
  });
}
