/**
 * A home whose disk fills up while a folder is applied (a real tmpfs,
 * mounted for the test: root; the folder itself stays on a disk with room):
 * - filled for a while mid-apply, then freed: every file's index row is
 *   still recorded by the end — a batch that could not be written waits for
 *   the next one instead of being dropped — and no file is blamed for it;
 * - filled to the end: the apply fails as the home's failure ("Cannot
 *   record …"), never as a problem of whichever file was written last.
 * The state comes from a real round: b holds `one/`, a copies it to `two/`
 * and hands b the new versions, then b's apply runs here, in this process,
 * on a copy of b's home on the tmpfs, so the disk fills between two files.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { isMycelError } from "../../src/errors.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { applyFolder, type ApplyOptions } from "../../src/sync/folder_apply.ts";
import { devices, listTree, put, sharedFolder, syncOk } from "./_helpers.ts";

const ROOT = Deno.uid() === 0;
const IN_CI = Deno.env.get("CI") !== undefined;
if (!ROOT && !IN_CI) console.log("home_full_test: skipped: mounting a tmpfs needs root");

/** More than one batch of records (500, folder_apply_record.ts). */
const FILES = 700;

async function sh(cmd: string, ...args: string[]): Promise<void> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!o.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
  }
}

/** Fill the disk holding `path` (a file of zeros until it refuses); returns its path. */
function fill(dir: string): string {
  const path = join(dir, "filler");
  using f = Deno.openSync(path, { write: true, create: true });
  for (let size = 1 << 20; size >= 512; size >>= 1) {
    const block = new Uint8Array(size);
    try {
      for (;;) f.writeSync(block);
    } catch {
      // full at this block size: smaller ones take what is left
    }
  }
  return path;
}

/**
 * b's home, copied onto a tmpfs, with `two/` (a copy of `one/` made on a)
 * to apply; b's folder holds `one/` only. `fn` gets the home and its disk.
 */
async function withHomeToApply(fn: (home: Home, disk: string) => Promise<void>): Promise<void> {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      for (let i = 0; i < FILES; i++) await put(root, `one/f${i}.txt`, `file ${i}\n`);
    },
  });
  await syncOk(b);
  assert.equal((await listTree(rb)).length, FILES);
  for (let i = 0; i < FILES; i++) await put(ra, `two/f${i}.txt`, `file ${i}\n`);
  await syncOk(a); // b's server takes a's new versions; only b's own round applies them
  await devs.stopServers();
  const disk = await Deno.makeTempDir({ prefix: "mycel-tmpfs-" });
  await sh("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", disk);
  try {
    await sh("cp", "-a", b.home, join(disk, "home"));
    using home = await Home.open(join(disk, "home"), { write: true });
    assert.equal([...home.view.folders().paths("docs")].length, 2 * FILES, "b holds a's versions");
    await fn(home, disk);
  } finally {
    await sh("umount", disk).catch(() => sh("umount", "-l", disk));
    await Deno.remove(disk, { recursive: true }).catch(() => {});
  }
}

/** Options for an apply that needs no peer (every chunk is in `one/`). */
const local = (progress: ApplyOptions["progress"]): ApplyOptions => ({
  peers: () => Promise.resolve([]),
  readTimeoutMs: 10_000,
  progress,
});

Deno.test({
  name: "a home full for a while mid-apply loses no record of the files written, and blames none",
  ignore: !ROOT && !IN_CI,
  async fn() {
    await withHomeToApply(async (home, disk) => {
      let filler: string | undefined;
      let freed = false;
      const report = await applyFolder(
        home,
        home.folderLocal.folder("docs")!,
        local((p) => {
          // Full before the first batch of records is written, free again before the end.
          if (p.files >= 400 && filler === undefined) filler = fill(disk);
          if (p.files >= 600 && !freed) {
            Deno.removeSync(filler!);
            freed = true;
          }
        }),
      );
      assert.ok(freed, "the disk was filled and freed during the apply");
      const rows = home.folderLocal.index("docs").rows;
      const missing = [...Array(FILES).keys()].map((i) => `two/f${i}.txt`)
        .filter((p) => !rows.has(p));
      assert.deepEqual(missing, [], "every file written has its index row");
      assert.deepEqual(report.problems, []);
      assert.equal(report.done, FILES);
    });
  },
});

Deno.test({
  name: "a home that stays full fails the apply as the home's failure, not a file's problem",
  ignore: !ROOT && !IN_CI,
  async fn() {
    await withHomeToApply(async (home, disk) => {
      let filled = false;
      let report;
      const e = await applyFolder(
        home,
        home.folderLocal.folder("docs")!,
        local((p) => {
          if (p.files >= 400 && !filled) filled = !!fill(disk);
        }),
      ).then((r) => report = r, (e) => e);
      assert.equal(report, undefined, `the apply failed: ${JSON.stringify(report)}`);
      assert.ok(isMycelError(e), String(e));
      assert.match(e.message, /^Cannot record the files synced into folder docs: /);
      assert.equal(e.code, "disk_full");
    });
  },
});
