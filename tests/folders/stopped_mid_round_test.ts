/**
 * @module stopped_mid_round_test
 * A folder whose marker goes while its files are being fetched (a disk
 * pulled out mid-round) is stopped once, for the rest of the round: said in
 * one line with what it got before, nothing more is fetched for it, no
 * temporary file is left that the next round would not resume, and a folder
 * after it in the same round still syncs. With the marker back, the next
 * round completes it. Before, the round fetched every file left and said
 * each one as "not written here: …: folder stopped".
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { markerText } from "../../src/files/folder_marker.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { describe } from "../helpers/mycel.ts";
import {
  devices,
  exists,
  folderOf,
  put,
  signalIfRunning,
  syncOk,
  tempFiles,
  text,
  throttleUntil,
  treeHash,
} from "./_helpers.ts";

const UNITS: Record<string, number> = { B: 1, KiB: 1 << 10, MiB: 1 << 20, GiB: 1 << 30 };

/** Bytes said fetched on the lines of `out` that are about folder docs. */
function fetchedForDocs(out: string): number {
  let n = 0;
  for (const line of out.split("\n")) {
    if (/^folder more\b/.test(line)) continue;
    const m = /([\d.]+) (B|KiB|MiB|GiB) fetched/.exec(line);
    if (m) n += Number(m[1]) * UNITS[m[2]];
  }
  return n;
}

Deno.test("a folder whose marker goes mid-round is stopped once: nothing more is fetched for it, the next folder syncs, and it completes once back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of devs.list) await d.serve();
  // docs, and `more`, applied after it in the same round.
  const [ra, rb] = [folderOf(a), folderOf(b)];
  const [ma, mb] = [folderOf(a, "more"), folderOf(b, "more")];
  await put(ra, "keep.txt", "x\n");
  await put(ma, "m.txt", "m\n");
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await a.ok(["--no-sync", "folder", "add", ma, "--id", "more"]);
  await syncOk(b);
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await b.ok(["--no-sync", "folder", "join", "more", mb]);
  await syncOk(b);

  // 80 files of 1 MiB (about four chunks each) for docs, one small one for more.
  const name = (i: number) => `f${String(i).padStart(3, "0")}.bin`;
  const n = 80;
  for (let i = 0; i < n; i++) await put(ra, name(i), pseudoRandomBytes(1 << 20, 2 * i + 1));
  await put(ma, "new.txt", "new\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  await a.ok(["sync", "now", "--push"]);

  // b's round, held to a part of the CPU until a few files are in place;
  // then docs' marker goes, as when its disk is pulled out.
  const p = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 120_000 });
  const caught = await throttleUntil(p.pid, () => exists(join(rb, name(4))));
  signalIfRunning(p.pid, "SIGSTOP");
  await Deno.remove(join(rb, MARKER_NAME));
  signalIfRunning(p.pid, "SIGCONT");
  const r = await p.result();
  const shown = describe(["sync", "now"], r);
  const out = r.stdout + r.stderr;
  assert.ok(caught, "the round was caught under way");
  assert.equal(r.code, 1, `a folder stopped: ${shown}`);
  // Said once, not once per file left.
  assert.equal(out.split("\n").filter((l) => /stopped: marker missing/.test(l)).length, 1, shown);
  assert.ok(out.includes(`folder docs at ${rb} stopped: marker missing`), shown);
  assert.match(out, /it stopped during this round, after \d+ changes? applied and /, shown);
  // What was asked before the stop still arrives (a window of at most 16
  // MiB), nothing after it: far less than the 75 MiB or more still to come.
  const fetched = fetchedForDocs(out);
  assert.ok(fetched < 40 << 20, `fetched ${fetched} bytes for docs: ${shown}`);
  assert.equal(await text(mb, "new.txt"), "new\n", `the next folder synced: ${shown}`);
  // What is left in the folder is what the next round resumes, nothing else.
  const left = tempFiles(rb);
  {
    using home = await Home.open(b.home);
    const recorded = new Set(home.folderLocal.transfers("docs").map((t) => t.temp));
    for (const t of left) {
      assert.ok(recorded.has(t.split("/").pop()!), `${t} is left, not recorded: ${shown}`);
    }
    assert.match(home.folderLocal.folder("docs")?.info.stopped ?? "", /marker missing/);
  }

  // Back: the next round completes it.
  await Deno.writeTextFile(join(rb, MARKER_NAME), markerText("docs"));
  await syncOk(b);
  assert.equal(await treeHash(rb), await treeHash(ra));
  assert.deepEqual(tempFiles(rb), [], "no temporary file left");
});

Deno.test("a large file whose folder stops while it arrives is stopped within 16 MiB, and resumed once the folder is back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of devs.list) await d.serve();
  const [ra, rb] = [folderOf(a), folderOf(b)];
  await put(ra, "keep.txt", "x\n");
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await syncOk(b);
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await syncOk(b);
  // One file, written into a temporary file that stays open: no file is
  // opened or finished for the marker to be checked on the way.
  const MiB = 1 << 20;
  await put(ra, "big.bin", pseudoRandomBytes(96 * MiB, 5));
  await a.ok(["--no-sync", "folder", "scan"]);
  await a.ok(["sync", "now", "--push"]);

  const p = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 120_000 });
  const caught = await throttleUntil(p.pid, () => tempFiles(rb).length > 0);
  signalIfRunning(p.pid, "SIGSTOP");
  await Deno.remove(join(rb, MARKER_NAME));
  signalIfRunning(p.pid, "SIGCONT");
  const r = await p.result();
  const shown = describe(["sync", "now"], r);
  const out = r.stdout + r.stderr;
  assert.ok(caught, "the round was caught under way");
  assert.equal(r.code, 1, shown);
  assert.match(out, /it stopped during this round, after 0 changes applied and /, shown);
  // At most 16 MiB written after the stop, and a window of 16 MiB still
  // owed: far less than the 96 MiB file.
  const fetched = fetchedForDocs(out);
  assert.ok(fetched < 48 * MiB, `fetched ${fetched} bytes: ${shown}`);
  {
    using home = await Home.open(b.home);
    const recorded = home.folderLocal.transfers("docs").map((t) => t.temp);
    assert.deepEqual(tempFiles(rb), recorded, "what it holds is kept, recorded");
  }

  await Deno.writeTextFile(join(rb, MARKER_NAME), markerText("docs"));
  const done = await syncOk(b);
  assert.equal(await treeHash(rb), await treeHash(ra));
  assert.deepEqual(tempFiles(rb), [], "no temporary file left");
  // Resumed: what the stopped round wrote is not fetched again.
  assert.ok(fetchedForDocs(done.stdout) < 90 * MiB, describe(["sync", "now"], done));
});
