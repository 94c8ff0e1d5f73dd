/**
 * A folder whose disk is too small or fills up (a phone's card joined to a
 * laptop's folder), on a real tmpfs mounted for the test (root):
 * - a file larger than the space left is reported with what it needs and
 *   what is free, and is not fetched at all — not fetched and thrown away
 *   again every round; what fits arrives;
 * - a disk that fills up while files are written (here: out of inodes,
 *   which `df` does not show) is named once, the round asks for nothing
 *   more, and no unfinished file is left taking space;
 * - with room again, the next round brings everything;
 * - a file part-fetched that has no room now counts, in this device's
 *   progress record and its own line of `folder status`, by what it still
 *   lacks (its kept transfer's chunks left out);
 * - a folder on a file system mounted read-only is named once per round and
 *   nothing is fetched for it (each round used to fetch every file and fail
 *   to write each one);
 * - `doctor` names a folder whose last round could not write a file, with
 *   what to do (it found no problem before);
 * - when old versions under `.mycel/versions` take room on that disk,
 *   `sync now` and `folder status` say how much beside the file that does
 *   not fit, and how to free it (they said only what was free).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import {
  type Devices,
  devices,
  listTree,
  put,
  saidAfter,
  sharedFolder,
  syncNow,
  syncOk,
  treeHash,
} from "./_helpers.ts";
import { recordedDone } from "./_fetch_hold.ts";

const ROOT = Deno.uid() === 0;
const IN_CI = Deno.env.get("CI") !== undefined;
if (!ROOT && !IN_CI) console.log("disk_full_test: skipped: mounting a tmpfs needs root");

async function sh(cmd: string, args: string[]): Promise<void> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!o.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
  }
}

/** A tmpfs mounted for a test. */
type Tmpfs = Awaited<ReturnType<typeof tmpfs>>;

/** A tmpfs mounted with `options` on a new folder; `await using` unmounts it. */
async function tmpfs(options: string) {
  const path = await Deno.makeTempDir({ prefix: "mycel-tmpfs-" });
  await sh("mount", ["-t", "tmpfs", "-o", options, "tmpfs", path]);
  return {
    path,
    remount: (more: string) => sh("mount", ["-o", `remount,${more}`, path]),
    async [Symbol.asyncDispose]() {
      await sh("umount", [path]).catch(() => sh("umount", ["-l", path]));
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

function noise(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) out.set(crypto.getRandomValues(new Uint8Array(65536)), at);
  return out;
}

const temps = (root: string) =>
  [...Deno.readDirSync(root)].map((e) => e.name).filter((n) => n.startsWith(".mycel-tmp"));

/** A test with a tmpfs mounted with `options` and devices a and b (root: skipped outside CI without it). */
function tmpfsTest(
  name: string,
  options: string,
  fn: (disk: Tmpfs, devs: Devices) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: !ROOT && !IN_CI,
    async fn() {
      await using disk = await tmpfs(options);
      await using devs = await devices(["a", "b"]);
      await fn(disk, devs);
    },
  });
}

tmpfsTest(
  "a file larger than the folder's free space is reported and not fetched; the rest arrives",
  "size=2m",
  async (disk, devs) => {
    const [, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (ra) => {
        await put(ra, "small.txt", "small\n");
        await put(ra, "photo.jpg", noise(65536));
        await put(ra, "video.mp4", noise(3 << 20));
      },
    });
    for (let round = 0; round < 2; round++) {
      const r = await syncNow(b);
      assert.equal(r.code, 3, describe(["sync", "now"], r));
      assert.match(
        await saidAfter(b, r),
        /video\.mp4: the disk holding the folder is full: it needs 3\.0 MiB more, [\d.]+ [KM]iB is free/,
      );
      assert.doesNotMatch(r.stdout, /MiB fetched/, "the file that can't fit was fetched");
      assert.deepEqual(await listTree(rb), ["photo.jpg", "small.txt"]);
      assert.deepEqual(temps(rb), []);
    }
    await disk.remount("size=16m");
    await syncOk(b);
    assert.equal(await treeHash(rb), await treeHash(ra));
  },
);

tmpfsTest(
  "a resumed file whose temporary file is gone needs room for all of it: too big, it is not fetched",
  "size=32m",
  async (disk, devs) => {
    // Its transfer row still says which chunks were in; the room it takes is
    // the whole file again, not what the row says is left (else it is fetched
    // until the disk fills and thrown away, every round).
    const [, b] = devs.list;
    const [, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: (ra) => put(ra, "video.mp4", noise(12 << 20)),
    });
    const cut = await b.run(["sync", "now", "--timeout", "10"], {
      env: { MYCEL_FILE_BUDGET: String(4 << 20) },
    });
    assert.equal(cut.code, 3, describe(["sync", "now"], cut));
    assert.equal(temps(rb).length, 1, "a part of the file is kept for the next round");
    for (const t of temps(rb)) await Deno.remove(join(rb, t));
    await disk.remount("size=10m");
    const r = await syncNow(b);
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    assert.match(
      await saidAfter(b, r),
      /video\.mp4: the disk holding the folder is full: it needs 12 MiB more, [\d.]+ MiB is free/,
    );
    assert.doesNotMatch(r.stdout, /fetched/, "the file that can't fit was fetched");
    assert.deepEqual(temps(rb), []);
  },
);

tmpfsTest(
  "a part-fetched file the disk has no room for now is counted, here and elsewhere, by what it still lacks",
  "size=32m",
  async (disk, devs) => {
    // Its transfer row holds 4 MiB, durable: not still to fetch, though the
    // round does not take the file on (before, the record said all 12 MiB).
    const [a, b] = devs.list;
    const [, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: (ra) => put(ra, "video.mp4", noise(12 << 20)),
    });
    const cut = await b.run(["sync", "now", "--timeout", "10"], {
      env: { MYCEL_FILE_BUDGET: String(4 << 20) },
    });
    assert.equal(cut.code, 3, describe(["sync", "now"], cut));
    const held = recordedDone(b, a, "video.mp4");
    assert.ok(held > 0 && held < 12 << 20, `b holds ${held} bytes`);
    await disk.remount("size=6m");
    const r = await syncNow(b);
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    assert.match(await saidAfter(b, r), /video\.mp4: the disk holding the folder is full/);
    assert.equal(temps(rb).length, 1, "what it holds is kept for a round with room");
    await syncOk(a);
    for (const d of [a, b]) {
      const [s] = await d.tmp.json<{ devices: Record<string, unknown>[] }[]>(
        ["folder", "status", "docs", "--json"],
      );
      const x = s.devices.find((x) => x.name === "b")!;
      assert.deepEqual(
        [x.state, x.behind_files, x.behind_bytes],
        ["behind", 1, (12 << 20) - held],
        `b on ${d.name}: ${JSON.stringify(x)}`,
      );
      if (d === b) assert.equal(x.fetched_bytes, held);
    }
  },
);

tmpfsTest(
  "a disk that fills up while files are written is named once, and nothing half-written stays",
  "size=16m,nr_inodes=12",
  async (disk, devs) => {
    // Out of inodes: `df` shows room, the writes fail with ENOSPC.
    const [, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (ra) => {
        for (let i = 0; i < 20; i++) {
          await put(ra, `f${String(i).padStart(2, "0")}.txt`, `file ${i}\n`);
        }
      },
    });
    const r = await syncNow(b);
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    const full = (r.stdout + r.stderr).split("\n").filter((l) =>
      /disk holding the folder is full/.test(l)
    );
    assert.equal(full.length, 1, describe(["sync", "now"], r));
    assert.doesNotMatch(r.stdout + r.stderr, /os error 28|No space left/);
    const here = await listTree(rb);
    assert.ok(here.length > 0 && here.length < 20, `some files arrived: ${here}`);
    assert.deepEqual(temps(rb), []);
    await disk.remount("nr_inodes=1000");
    await syncOk(b);
    assert.equal(await treeHash(rb), await treeHash(ra));
  },
);

tmpfsTest(
  "a read-only folder is named once and nothing is fetched for it; writable again, it catches up",
  "size=16m",
  async (disk, devs) => {
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (ra) => {
        await put(ra, "notes.txt", "one\n");
      },
    });
    await syncOk(b);
    await put(ra, "notes.txt", "two\n");
    await put(ra, "photo.jpg", noise(2 << 20));
    await syncOk(a);
    await disk.remount("ro");
    const r = await syncNow(b);
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    const out = r.stdout + r.stderr;
    assert.match(out, /the folder can't be written: its file system is read-only/);
    assert.doesNotMatch(out, /fetched|os error 30/);
    assert.match(out, /2 files \(2\.0 MiB\) still to come/);
    await disk.remount("rw");
    await syncOk(b);
    assert.equal(await treeHash(rb), await treeHash(ra));
  },
);

tmpfsTest(
  "a copy of a file this device holds that the disk has no room for is reported; the rest arrives",
  "size=4m",
  async (disk, devs) => {
    // The copy is built from this device's own chunks: nothing to fetch, but room it needs all the same.
    const [a, b] = devs.list;
    const big = noise((5 << 20) / 2);
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: (ra) => put(ra, "video.mp4", big),
    });
    await syncOk(b);
    await put(ra, "copy of video.mp4", big);
    await put(ra, "z.txt", "small\n");
    await syncOk(a);
    for (let round = 0; round < 2; round++) {
      const r = await syncNow(b);
      assert.equal(r.code, 3, describe(["sync", "now"], r));
      assert.match(
        await saidAfter(b, r),
        /copy of video\.mp4: the disk holding the folder is full/,
      );
      assert.deepEqual(await listTree(rb), ["video.mp4", "z.txt"]);
      assert.deepEqual(temps(rb), [], "an unfinished copy was left taking space");
    }
  },
);

tmpfsTest(
  "doctor names a folder whose last round could not write a file for lack of space; " +
    "with room again and a round, it no longer does",
  "size=2m",
  async (disk, devs) => {
    const [, b] = devs.list;
    const [, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: (ra) => put(ra, "video.mp4", noise(3 << 20)),
    });
    const r = await syncNow(b);
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    // doctor exits 1 when it finds a problem: its JSON is read whatever the exit.
    type Doctor = { findings: { check: string; ok: boolean; detail: string; hint?: string }[] };
    const folderFindings = async () =>
      (JSON.parse((await b.run(["doctor", "--json", "--no-sync"])).stdout) as Doctor).findings
        .filter((f) => f.check === "folder");
    const [f, ...more] = await folderFindings();
    assert.deepEqual(more, []);
    assert.equal(f?.ok, false, JSON.stringify(f));
    assert.match(f.detail, /folder docs at .*: the last round could not write 1 path here/);
    assert.match(f.detail, /video\.mp4: the disk holding the folder is full/);
    assert.match(f.hint ?? "", /Free space on the disk holding the folder/);
    assert.match(f.hint ?? "", /mycel folder status docs/);

    await disk.remount("size=16m");
    await syncOk(b);
    assert.deepEqual(await folderFindings(), [], "the folder is whole again");
    assert.deepEqual(await listTree(rb), ["video.mp4"]);
  },
);

tmpfsTest(
  "old versions filling the folder's disk are said beside the file that does not fit, with how to free them",
  "size=6m",
  async (disk, devs) => {
    // A file deleted elsewhere is kept here under .mycel/versions, on the same
    // disk: what fills it, and nothing said so (it said only how much was free).
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (ra) => {
        await put(ra, "old.mov", noise(3 << 20));
        for (const n of ["x", "y", "z"]) await put(ra, `${n}.txt`, `${n}\n`);
      },
    });
    await syncOk(b);
    await Deno.remove(join(ra, "old.mov"));
    await put(ra, "new.mov", noise(3 << 20));
    await syncOk(a);
    const r = await syncNow(b);
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    const hint =
      /new\.mov: the disk holding the folder is full[^\n]*\n\s+old versions kept under \.mycel\/versions take 3\.0 MiB of that disk[^`]*`mycel folder retention docs 0`/;
    assert.match(r.stderr, hint, describe(["sync", "now"], r));
    const st = await b.ok(["--no-sync", "folder", "status", "docs"]);
    assert.match(st.stdout, hint, st.stdout);
    await b.ok(["folder", "retention", "docs", "0"]);
    await syncNow(b); // removes them at its end
    await syncOk(b);
    assert.equal(await treeHash(rb), await treeHash(ra));
  },
);
