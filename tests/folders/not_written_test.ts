/**
 * A path a round could not write here is kept with the folder: `folder
 * status` (text and `--json`) lists it until a round writes it, `sync now`
 * says it when the list changes and otherwise points at `folder status`, and
 * says once when the list empties. A folder that stops drops the list (it
 * describes a disk that is not there); when it is back, the list is said anew.
 * Before, the paths were printed by `sync now` only (every round, and never
 * with `--json`), so a script or a later look could see "behind" but not why.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { describe } from "../helpers/mycel.ts";
import {
  type Device,
  type Devices,
  devices,
  folderOf,
  put,
  sharedFolder,
  syncNow,
  syncOk,
  text,
} from "./_helpers.ts";

interface StatusJson {
  devices: { self: boolean; state: string }[];
  not_written: { path: string; reason: string }[];
  not_written_count: number;
  not_synced: { path: string; reason: string }[];
  not_synced_count: number;
}

async function status(d: Device): Promise<StatusJson> {
  const [s] = await d.tmp.json<StatusJson[]>(["--no-sync", "folder", "status", "--json"]);
  return s;
}

const IN_THE_WAY = /a folder is in the way here and it is not empty/;

/**
 * a turns the folder x/ into a file x while b keeps an ignored file of its
 * own in x/, so on b x/ can't give way: x is a path b's round can't write.
 */
async function folderInTheWay(devs: Devices) {
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      await put(ra, ".mycelignore", "*.tmp\n");
      await put(ra, "x/y", "inside\n");
      await put(ra, "keep.txt", "keep\n");
    },
  });
  await syncOk(b);
  await put(rb, "x/scratch.tmp", "mine\n");
  await Deno.remove(join(ra, "x"), { recursive: true });
  await put(ra, "x", "now a file\n");
  await syncOk(a);
  return { a, b, ra, rb };
}

Deno.test("a path a round could not write is kept for folder status, said once by sync now, and cleared when written", async () => {
  await using devs = await devices(["a", "b"]);
  const { b, rb } = await folderInTheWay(devs);

  const first = await syncNow(b);
  assert.equal(first.code, 3, describe(["sync", "now"], first));
  assert.match(first.stderr, /not written here: x: a folder is in the way/);
  let s = await status(b);
  assert.equal(s.not_written_count, 1);
  assert.equal(s.not_written[0].path, "x");
  assert.match(s.not_written[0].reason, IN_THE_WAY);
  const shown = await b.ok(["--no-sync", "folder", "status"]);
  assert.match(shown.stdout, /not written here: x: a folder is in the way/);

  // The same list again: not repeated, pointed at.
  const second = await syncNow(b);
  assert.equal(second.code, 3, describe(["sync", "now"], second));
  assert.doesNotMatch(second.stderr, IN_THE_WAY);
  assert.match(second.stdout, /1 path not written here: see `mycel folder status docs`/);

  // The user moves the ignored file away: x is written, and that is said once.
  await Deno.remove(join(rb, "x/scratch.tmp"));
  const third = await syncNow(b);
  assert.equal(third.code, 0, describe(["sync", "now"], third));
  assert.match(third.stderr, /folder docs: every path is written here again/);
  assert.equal(await text(rb, "x"), "now a file\n");
  s = await status(b);
  assert.deepEqual([s.not_written, s.not_written_count], [[], 0]);
  const fourth = await syncNow(b);
  assert.doesNotMatch(fourth.stderr, /written here again/, "said once");
});

Deno.test("a folder that stops drops its not-written list; back, the list is said again", async () => {
  await using devs = await devices(["a", "b"]);
  const { b, rb } = await folderInTheWay(devs);
  // And a FIFO, which a scan does not sync.
  const fifo = await new Deno.Command("mkfifo", { args: [join(rb, "pipe")] }).output();
  assert.ok(fifo.success, "mkfifo");
  await syncNow(b);
  assert.equal((await status(b)).not_written_count, 1);
  assert.equal((await status(b)).not_synced_count, 1);

  // The disk goes away (the marker with it).
  const marker = await Deno.readFile(join(rb, MARKER_NAME));
  await Deno.remove(join(rb, MARKER_NAME));
  const stopped = await syncNow(b);
  assert.equal(stopped.code, 1, describe(["sync", "now"], stopped));
  let s = await status(b);
  assert.equal(s.devices.find((d) => d.self)?.state, "stopped");
  assert.deepEqual([s.not_written, s.not_written_count], [[], 0], "nothing stale beside 'stopped'");
  assert.deepEqual([s.not_synced, s.not_synced_count], [[], 0], "nothing stale beside 'stopped'");

  // Back: the scan and the round find the same path, and say it again.
  await Deno.writeFile(join(rb, MARKER_NAME), marker);
  const back = await syncNow(b);
  assert.equal(back.code, 3, describe(["sync", "now"], back));
  assert.match(back.stderr, /not written here: x: a folder is in the way/);
  assert.match(back.stderr, /not synced: pipe: /);
  s = await status(b);
  assert.equal(s.not_written_count, 1);
  assert.equal(s.not_synced_count, 1);
});

Deno.test("a folder whose ignore file can't be read is stopped by the scan, and nothing is applied to it", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (ra) => put(ra, "notes.txt", "one\n"),
  });
  await syncOk(b);
  // b's own rules keep notes.txt here; then its local rules file is damaged (not UTF-8).
  await put(rb, ".mycel/ignore", "notes.txt\n");
  await put(rb, "notes.txt", "b's own\n");
  await put(ra, "notes.txt", "a's edit\n");
  await syncOk(a);
  await put(rb, ".mycel/ignore", new Uint8Array([0x6e, 0xff, 0xfe, 0x0a]));
  const r = await syncNow(b);
  assert.equal(r.code, 1, describe(["sync", "now"], r));
  assert.match(r.stderr, /folder docs at \S+ stopped: .*ignore/);
  assert.doesNotMatch(r.stderr, /if it moved/, "the move hint is for a missing marker");
  assert.doesNotMatch(r.stderr, /internal error/i);
  assert.equal(await text(rb, "notes.txt"), "b's own\n", "applied without the rules");
  // Under --json: that failure's own code.
  const j = await syncNow(b, ["--json"]);
  assert.equal(j.code, 1, describe(["sync", "now", "--json"], j));
  const err = JSON.parse(j.stderr.trim().split("\n").at(-1)!).error;
  assert.equal(err.code, "bad_ignore_file");
  assert.match(err.hint, /Fix or remove that ignore file/);
});

Deno.test("a path too long for where the folder lies here is reported with the same reason each round, never a temporary name", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  // b's folder lies 400 bytes deeper than a's: a path that fits under a's
  // folder (Linux takes 4,095 bytes) does not fit under b's.
  const deep = join(folderOf(b), "d".repeat(200), "e".repeat(199));
  const ra0 = folderOf(a);
  const segment = "s".repeat(200);
  const parts: string[] = [];
  const room = 4095 - ra0.length - 1 - 100; // leave room for a 100-byte name
  while ((parts.length + 1) * (segment.length + 1) <= room) parts.push(segment);
  const long = [...parts, "n".repeat(100)].join("/");
  const [ra, rb] = await sharedFolder(devs, "docs", {
    roots: [undefined, deep],
    seed: async (ra) => {
      await put(ra, "short.txt", "fits\n");
      await put(ra, long, "deep\n");
    },
  });
  assert.ok(ra.length + 1 + long.length <= 4095 && deep.length + 1 + long.length > 4095);

  const first = await syncNow(b);
  assert.equal(first.code, 3, describe(["sync", "now"], first));
  assert.equal(await text(rb, "short.txt"), "fits\n");
  const s = await status(b);
  assert.equal(s.not_written_count, 1, JSON.stringify(s.not_written));
  assert.equal(s.not_written[0].path, long);
  assert.match(s.not_written[0].reason, /too long/);
  assert.doesNotMatch(
    s.not_written[0].reason,
    /mycel-tmp|os error|'\//,
    "an OS path in the reason",
  );

  // The next round finds the same reason: pointed at, not said again.
  const second = await syncNow(b);
  assert.equal(second.code, 3, describe(["sync", "now"], second));
  assert.doesNotMatch(second.stderr, /too long/, describe(["sync", "now"], second));
  assert.match(second.stdout, /1 path not written here: see `mycel folder status docs`/);
  assert.deepEqual((await status(b)).not_written, s.not_written);
});

Deno.test("sync now --json --folders and folder status --json give not_written in one shape: the paths and why, and not_written_count", async () => {
  await using devs = await devices(["a", "b"]);
  const { b } = await folderInTheWay(devs);
  const r = await b.run(["sync", "now", "--timeout", "10", "--json", "--folders"]);
  assert.equal(r.code, 3, describe(["sync", "now"], r));
  const [f] =
    (JSON.parse(r.stdout) as { folders: Pick<StatusJson, "not_written" | "not_written_count">[] })
      .folders;
  const s = await status(b);
  // Before: a bare number under `not_written` here, a list under the same name in folder status.
  assert.deepEqual([f.not_written, f.not_written_count], [s.not_written, s.not_written_count]);
  assert.equal(f.not_written_count, 1);
  assert.match(f.not_written[0].reason, IN_THE_WAY);
});
