/**
 * A folder on a real exFAT file system (an SD card or USB drive shared with
 * a phone): no permission bits (every file reads back 0777), no hard links,
 * no symbolic links. Files arrive and are replaced there (the rename
 * fallback of held_file.ts), an edit made there does not make the file
 * executable on the other devices (fs_modes.ts: the disk's bits are not
 * published), a re-scan publishes nothing, and a symlink is named as
 * impossible there. Needs root, exfat-fuse and exfatprogs (CI has them).
 */

import assert from "node:assert/strict";
import { RACY_MS } from "../../src/files/scan_file.ts";
import { sleep } from "../helpers/process.ts";
import { join } from "node:path";
import { exfatMissing, type ExfatMount, mountExfat } from "../helpers/exfat.ts";
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
  text,
  treeLines,
} from "./_helpers.ts";

const MISSING = exfatMissing();
const IN_CI = Deno.env.get("CI") !== undefined;
if (MISSING !== undefined && !IN_CI) console.log(`exfat_test: skipped: ${MISSING}`);

/** Lines of treeLines() without the kind letter: exFAT shows every file as executable. */
const contents = (lines: string[]) => lines.map((l) => l.replace(/ [fxl] /, " "));

/** A test with an exFAT disk mounted and devices a and b (skipped outside CI without the tools). */
function exfatTest(name: string, fn: (disk: ExfatMount, devs: Devices) => Promise<void>): void {
  Deno.test({
    name,
    ignore: MISSING !== undefined && !IN_CI,
    async fn() {
      assert.equal(
        MISSING,
        undefined,
        "CI must be able to mount exFAT (scripts/install_test_deps.sh)",
      );
      await using disk = await mountExfat();
      await using devs = await devices(["a", "b"]);
      await fn(disk, devs);
    },
  });
}

exfatTest(
  "a folder on exFAT: files arrive and update, an edit there stays non-executable elsewhere, a symlink is refused by name",
  async (disk, devs) => {
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (ra) => {
        await put(ra, "doc.txt", "one\n");
        await put(ra, "sub/notes.md", "notes\n");
        await put(ra, "run.sh", "#!/bin/sh\n");
        await Deno.chmod(join(ra, "run.sh"), 0o755);
      },
    });
    await syncOk(b);
    assert.deepEqual(contents(await treeLines(rb)), contents(await treeLines(ra)));

    // Replaced on exFAT: no hard link there, the swap falls back to a rename.
    await put(ra, "doc.txt", "two\n");
    await syncOk(a);
    await syncOk(b);
    assert.equal(await text(rb, "doc.txt"), "two\n");
    const kept = [...Deno.readDirSync(join(rb, ".mycel/versions"))].map((e) => e.name);
    assert.ok(kept.some((n) => n.startsWith("doc")), `the replaced file is kept: ${kept}`);

    // Nothing changed: a re-scan on exFAT publishes nothing (its 0777 modes included).
    const scan = await b.ok(["--no-sync", "folder", "scan"]);
    assert.match(scan.stdout, /published 0 changes/, describe(["folder", "scan"], scan));

    // Edited on exFAT: the content travels, the disk's 0777 does not.
    await put(rb, "sub/notes.md", "edited on the card\n");
    await syncOk(b);
    await syncOk(a);
    assert.equal(await text(ra, "sub/notes.md"), "edited on the card\n");
    const mode = (p: string) => (Deno.lstatSync(join(ra, p)).mode ?? 0) & 0o111;
    assert.equal(mode("sub/notes.md"), 0, "an edit on exFAT made the file executable");
    assert.notEqual(mode("run.sh"), 0, "run.sh stays executable");

    // A symlink can't exist on exFAT: named, the rest still syncs.
    await Deno.symlink("doc.txt", join(ra, "link"));
    await put(ra, "later.txt", "later\n");
    await syncOk(a);
    const r = await syncNow(b);
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    assert.match(r.stdout + r.stderr, /link: this folder's file system can't hold symbolic links/);
    assert.equal(await text(rb, "later.txt"), "later\n");

    // Deleted on A: gone from exFAT.
    await Deno.remove(join(ra, "doc.txt"));
    await syncOk(a);
    await syncNow(b);
    assert.deepEqual(await listTree(rb), ["later.txt", "run.sh", "sub/notes.md"]);
  },
);

exfatTest(
  "exFAT ignores case: a case-only rename arrives as a rename, and names it can't hold are reported, never merged or moved",
  async (disk, devs) => {
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (ra) => {
        await put(ra, "Case.txt", "case\n");
        await put(ra, "Report.txt", "upper\n");
        await put(ra, "report.txt", "lower\n");
        await put(ra, "Notes/x.txt", "x\n");
        await put(ra, "notes/y.txt", "y\n");
        await put(ra, "a:b.txt", "colon\n");
      },
    });
    let r = await syncNow(b);
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    const out = r.stdout + r.stderr;
    assert.match(out, /report\.txt: "report\.txt" differs only in case from "Report\.txt"/);
    assert.match(out, /notes\/y\.txt: "notes" differs only in case from "Notes"/);
    assert.match(out, /a:b\.txt: this folder's file system can't hold the name "a:b\.txt"/);
    assert.deepEqual(await listTree(rb), ["Case.txt", "Notes/x.txt", "Report.txt"]);
    assert.equal(await text(rb, "Report.txt"), "upper\n");

    // Nothing of that comes back to A as a change: its tree is as it made it.
    const before = await treeLines(ra);
    await syncNow(b);
    await syncOk(a);
    assert.deepEqual(await treeLines(ra), before);

    // A case-only rename on A: one file on exFAT, the new spelling, its content.
    await Deno.rename(join(ra, "Case.txt"), join(ra, "case.txt"));
    await syncOk(a);
    r = await syncNow(b);
    assert.doesNotMatch(r.stdout + r.stderr, /case\.txt/i, describe(["sync", "now"], r));
    const listed = [...Deno.readDirSync(rb)].map((e) => e.name);
    assert.ok(listed.includes("case.txt") && !listed.includes("Case.txt"), `listed: ${listed}`);
    assert.equal(await text(rb, "case.txt"), "case\n");
    await syncOk(a);
    assert.equal(await text(ra, "case.txt"), "case\n");
    assert.deepEqual(
      (await listTree(ra)).filter((p) => p.toLowerCase() === "case.txt"),
      ["case.txt"],
    );
  },
);

exfatTest(
  "an empty file whose name exFAT can't hold is reported like any other, and the rest arrives",
  async (disk, devs) => {
    // An empty file has no chunk to write: its temporary file is first made
    // when it finishes, and that is where exFAT refuses the name.
    const [, b] = devs.list;
    const [, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (ra) => {
        await put(ra, "doc.txt", "one\n");
        await put(ra, "at 10:30.txt", "");
        await put(ra, "zz.txt", "last\n");
      },
    });
    for (let round = 0; round < 2; round++) {
      const r = await syncNow(b);
      assert.equal(r.code, 3, describe(["sync", "now"], r));
      assert.match(
        await saidAfter(b, r),
        /at 10:30\.txt: this folder's file system can't hold the name "at 10:30\.txt"/,
      );
      assert.deepEqual(await listTree(rb), ["doc.txt", "zz.txt"]);
    }
  },
);

exfatTest(
  "an exFAT card put back write-locked in another slot: its 0777 modes are still not published",
  async (disk, devs) => {
    const [a, b] = devs.list;
    const [, rb] = await sharedFolder(devs, "docs", {
      roots: [join(disk.path, "card"), undefined],
      seed: async (ra) => {
        await put(ra, "doc.txt", "one\n");
        await put(ra, "DCIM/photo.jpg", "jpeg\n");
      },
    });
    await syncOk(b);
    // Another loop device (another device number), new inode numbers, read-only:
    // the probe can't run; every file is read again.
    await disk.remount({ readOnly: true });
    await syncOk(a);
    await syncOk(b);
    const exec = (p: string) => (Deno.lstatSync(join(rb, p)).mode ?? 0) & 0o111;
    assert.equal(exec("doc.txt"), 0, "the card's 0777 reached another device");
    assert.equal(exec("DCIM/photo.jpg"), 0);
    const log = await b.ok(["log", "--json"]);
    const versions = (log.stdout.match(/"file\.version"/g) ?? []).length;
    assert.equal(versions, 2, "a re-read card published new versions");
  },
);

exfatTest(
  "exFAT ignores case: a folder renamed only in case elsewhere keeps its files here, reported",
  async (disk, devs) => {
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (ra) => {
        await put(ra, "Photos/a.jpg", "jpeg a\n");
        await put(ra, "Photos/b.jpg", "jpeg b\n");
        // More files elsewhere: two deletions are then no mass deletion to confirm.
        for (const n of ["c", "d", "e", "f", "g"]) await put(ra, `${n}.txt`, `${n}\n`);
      },
    });
    await syncOk(b);
    await Deno.rename(join(ra, "Photos"), join(ra, "photos"));
    await put(ra, "photos/b.jpg", "jpeg b, edited\n"); // nothing to reuse: no reason to wait
    await syncOk(a);
    for (let round = 0; round < 2; round++) {
      const r = await syncNow(b);
      assert.equal(r.code, 3, describe(["sync", "now"], r));
      assert.match(
        await saidAfter(b, r),
        /photos\/a\.jpg: "photos" differs only in case from "Photos"/,
      );
      assert.deepEqual(
        (await listTree(rb)).filter((p) => p.toLowerCase().startsWith("photos/")),
        ["Photos/a.jpg", "Photos/b.jpg"],
        "the files were deleted",
      );
      assert.equal(await text(rb, "Photos/a.jpg"), "jpeg a\n");
    }
    await syncOk(a);
    assert.deepEqual(
      (await listTree(ra)).filter((p) => p.toLowerCase().startsWith("photos/")),
      ["photos/a.jpg", "photos/b.jpg"],
      "B changed A's folder",
    );
    assert.equal(await text(ra, "photos/b.jpg"), "jpeg b, edited\n");
  },
);

exfatTest(
  "an exFAT card plugged in again (new inode numbers) is not read again, and still syncs edits",
  async (disk, devs) => {
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [join(disk.path, "card"), undefined],
      seed: async (ra) => {
        for (let i = 0; i < 6; i++) await put(ra, `DCIM/p${i}.jpg`, `photo ${i}\n`);
        await sleep(RACY_MS); // scanned at once, they would be read again once (racyStat)
      },
    });
    await syncOk(b);
    await disk.remount({ readOnly: false }); // exfat-fuse numbers the files anew
    const scan = JSON.parse((await a.ok(["--no-sync", "folder", "scan", "--json"])).stdout);
    const docs = (Array.isArray(scan) ? scan : [scan]).find((s: { folder: string }) =>
      s.folder === "docs"
    );
    assert.equal(docs.hashed_files, 0, `the whole card was read again: ${JSON.stringify(docs)}`);
    assert.equal(docs.published, 0);
    // The index took the new numbers: a write from a peer is no "local change".
    await put(rb, "DCIM/p0.jpg", "photo 0, edited\n");
    await syncOk(b);
    await syncOk(a);
    assert.equal(await text(ra, "DCIM/p0.jpg"), "photo 0, edited\n");
  },
);

exfatTest(
  "a folder on a card mounted again is joined again with what it knew: a file deleted elsewhere meanwhile does not come back",
  async (disk, devs) => {
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (root) => {
        for (const n of ["keep", "gone"]) await put(root, `${n}.txt`, `${n}\n`);
      },
    });
    await syncOk(b);
    assert.deepEqual(await listTree(rb), ["gone.txt", "keep.txt"]);
    await b.ok(["--no-sync", "folder", "remove", "docs"]);
    await Deno.remove(join(ra, "gone.txt"));
    await syncOk(a);
    // Mounted again: the folder's device number changes (FUSE), its inode may too.
    await disk.remount({ readOnly: false });
    await b.ok(["--no-sync", "folder", "join", "docs", rb]);
    for (const d of [b, a, b, a]) await syncNow(d);
    assert.deepEqual(await listTree(ra), ["keep.txt"]);
    assert.deepEqual(await listTree(rb), ["keep.txt"]);
  },
);

exfatTest(
  "a file edited on exFAT while another device moved it to a name exFAT can't hold: the edit reaches the new name, and stays at the old one here",
  async (disk, devs) => {
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (ra) => {
        await put(ra, "notes.txt", "first\n");
        for (const n of ["w", "x", "y", "z"]) await put(ra, `${n}.txt`, `${n}\n`);
      },
    });
    await syncOk(b);
    assert.equal(await text(rb, "notes.txt"), "first\n");
    // Apart: b edits the file, a moves it to a name exFAT can't hold.
    await Deno.writeTextFile(join(rb, "notes.txt"), "first, edited on b\n");
    await Deno.rename(join(ra, "notes.txt"), join(ra, "a:notes.txt"));
    await syncOk(a);
    const r = await syncNow(b); // b carries its edit to where a moved the file
    assert.match(
      r.stdout + r.stderr,
      /can't hold the name "a:notes\.txt"/,
      describe(["sync", "now"], r),
    );
    await syncNow(a);
    await syncNow(b);
    await syncNow(a);
    const there = await text(ra, "a:notes.txt");
    const here = await text(rb, "notes.txt");
    assert.ok(
      there === "first, edited on b\n" || here === "first, edited on b\n",
      `the edit is on neither disk (a:notes.txt on a: ${JSON.stringify(there)}, notes.txt on b: ${
        JSON.stringify(here)
      }), only under b's .mycel/versions`,
    );
    assert.equal(there, "first, edited on b\n", "the edit reaches the new name");
    assert.equal(here, "first, edited on b\n", "kept here, at the only name this disk can hold");
  },
);
