/**
 * PartialFile (src/files/partial_file.ts): chunks written out of order at
 * their offsets make the file; a temporary file is found again by name
 * (resume) and a missing or resized one starts over; the target is replaced
 * only by the complete file, the old one kept; a target changed on disk
 * since the caller looked is never overwritten (`changed_locally`), and the
 * temporary file goes.
 */

import assert from "node:assert/strict";
import { FLUSH_BYTES, PartialFile } from "../../src/files/partial_file.ts";
import { listVersions } from "../../src/files/versions.ts";
import { join } from "node:path";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { spawnProcess } from "../helpers/process.ts";
import { testFolder } from "./helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("chunks written in any order make the file; the old one is kept", async () => {
  await using f = await testFolder();
  await f.write("doc.txt", "old");
  const before = await Deno.lstat(f.abs("doc.txt"));
  const { file } = await PartialFile.open(f.root, "doc.txt", 11);
  await file.writeAt(6, enc("world"));
  await file.writeAt(0, enc("hello "));
  const r = await file.finish({
    expected: { size: 3, mtimeMs: before.mtime!.getTime(), ino: before.ino! },
    mtimeMs: 1_700_000_000_000,
    exec: false,
  });
  assert.equal(r.status, "written");
  assert.equal(new TextDecoder().decode(await f.read("doc.txt")), "hello world");
  assert.equal((await Deno.lstat(f.abs("doc.txt"))).mtime!.getTime(), 1_700_000_000_000);
  assert.equal((await listVersions(f.root, "doc.txt")).length, 1);
  assert.deepEqual(
    [...Deno.readDirSync(f.root)].map((e) => e.name).filter((n) => n.startsWith(".mycel-tmp")),
    [],
  );
});

Deno.test("writes started together land at their own offsets", async () => {
  // Chunks from several peers arrive at once; each write must land where it was aimed.
  await using f = await testFolder();
  const piece = 4096, pieces = 256;
  const want = new Uint8Array(piece * pieces);
  for (let i = 0; i < want.length; i++) want[i] = (i * 7 + (i >> 12) * 13) & 0xff;
  const { file } = await PartialFile.open(f.root, "many.bin", want.length);
  const order = [...Array(pieces).keys()].sort((a, b) => ((a * 97) % pieces) - ((b * 97) % pieces));
  await Promise.all(
    order.map((i) => file.writeAt(i * piece, want.subarray(i * piece, (i + 1) * piece))),
  );
  assert.equal(
    (await file.finish({ expected: null, mtimeMs: 0, exec: false })).status,
    "written",
  );
  const got = await f.read("many.bin");
  const wrong = [...Array(pieces).keys()].filter((i) =>
    got.subarray(i * piece, (i + 1) * piece).some((x, j) => x !== want[i * piece + j])
  );
  assert.deepEqual(wrong, [], `${wrong.length} of ${pieces} pieces landed elsewhere`);
});

Deno.test("a temporary file is found again by name; a missing one starts over", async () => {
  await using f = await testFolder();
  const first = await PartialFile.open(f.root, "big.bin", 8);
  await first.file.writeAt(0, enc("abcd"));
  await first.file.sync();
  first.file.close();
  const again = await PartialFile.open(f.root, "big.bin", 8, first.file.temp);
  assert.equal(again.resumed, true);
  assert.equal(again.file.temp, first.file.temp);
  await again.file.writeAt(4, enc("efgh"));
  assert.equal(
    (await again.file.finish({ expected: null, mtimeMs: 0, exec: true })).status,
    "written",
  );
  assert.equal(new TextDecoder().decode(await f.read("big.bin")), "abcdefgh");
  assert.ok(((await Deno.lstat(f.abs("big.bin"))).mode! & 0o100) !== 0);
  const gone = await PartialFile.open(f.root, "other.bin", 8, ".mycel-tmp-0000-gone");
  assert.equal(gone.resumed, false);
  await gone.file.discard();
});

Deno.test("a target changed on disk meanwhile is not overwritten, and the temporary file goes", async () => {
  await using f = await testFolder();
  await f.write("notes.txt", "v1");
  const seen = await Deno.lstat(f.abs("notes.txt"));
  const { file } = await PartialFile.open(f.root, "notes.txt", 6);
  await file.writeAt(0, enc("remote"));
  await f.write("notes.txt", "my local edit"); // the user saves meanwhile
  const r = await file.finish({
    expected: { size: 2, mtimeMs: seen.mtime!.getTime(), ino: seen.ino! },
    mtimeMs: 0,
    exec: false,
  });
  assert.equal(r.status, "changed_locally");
  assert.equal(new TextDecoder().decode(await f.read("notes.txt")), "my local edit");
  assert.deepEqual(
    [...Deno.readDirSync(f.root)].map((e) => e.name).filter((n) => n.startsWith(".mycel-tmp")),
    [],
  );
});

Deno.test("no marker, no write: a stopped folder takes no temporary file either", async () => {
  await using f = await testFolder({ marker: false });
  await assert.rejects(PartialFile.open(f.root, "x", 1), /marker missing/);
});

Deno.test("a complete file whose folder stopped before its finish is left as it is, and a closed one still syncs by name", async () => {
  await using f = await testFolder();
  const closed = (await PartialFile.open(f.root, "a.txt", 4)).file;
  await closed.writeAt(0, enc("part"));
  closed.close(); // closed for room, as the writer does
  const { file } = await PartialFile.open(f.root, "doc.txt", 5);
  await file.writeAt(0, enc("whole"));
  await Deno.remove(f.abs(".mycel-folder")); // the disk was pulled out, say
  await closed.sync(); // reopened by name: no marker needed to keep what it holds
  await assert.rejects(
    file.finish({ expected: null, mtimeMs: 1_700_000_000_000, exec: false }),
    /marker missing/,
  );
  assert.equal(new TextDecoder().decode(await f.read(file.temp)), "whole", "kept for the caller");
  assert.equal(await Deno.lstat(f.abs("doc.txt")).then(() => true, () => false), false);
});

Deno.test("a temporary file that also has the target's name (a crash right after the link) is not resumed", async () => {
  await using f = await testFolder();
  const first = await PartialFile.open(f.root, "big.bin", 8);
  await first.file.writeAt(0, enc("placed!!"));
  await first.file.sync();
  first.file.close();
  // The crash: linked into place, the temporary name not yet removed.
  await Deno.link(f.abs(first.file.temp), f.abs("big.bin"));
  const again = await PartialFile.open(f.root, "big.bin", 8, first.file.temp);
  assert.equal(again.resumed, false, "a temporary file with two names is not written into");
  assert.notEqual(again.file.temp, first.file.temp);
  await again.file.writeAt(0, enc("XXXXXXXX"));
  await again.file.discard();
  assert.equal(new TextDecoder().decode(await f.read("big.bin")), "placed!!");
});

Deno.test("a new path someone saved at meanwhile is not overwritten, and the temporary file goes", async () => {
  await using f = await testFolder();
  const { file } = await PartialFile.open(f.root, "new.txt", 6);
  await file.writeAt(0, enc("remote"));
  await f.write("new.txt", "saved here first"); // expected nothing; a local program made it
  const r = await file.finish({ expected: null, mtimeMs: 0, exec: false });
  assert.equal(r.status, "changed_locally");
  assert.equal(r.status === "changed_locally" && r.current?.size, 16);
  assert.equal(new TextDecoder().decode(await f.read("new.txt")), "saved here first");
  assert.deepEqual(
    [...Deno.readDirSync(f.root)].map((e) => e.name).filter((n) => n.startsWith(".mycel-tmp")),
    [],
  );
});

Deno.test("a large file flushed in the background while written: closed mid-flush it resumes whole, and finishes whole", async () => {
  await using f = await testFolder();
  const size = FLUSH_BYTES * 2 + 12345;
  const want = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) want[i] = (i >> 12) & 0xff;
  const first = await PartialFile.open(f.root, "big.bin", size);
  // Past FLUSH_BYTES: a background flush starts; close at once, while it runs.
  await first.file.writeAt(0, want.subarray(0, FLUSH_BYTES + 1));
  first.file.close();
  const again = await PartialFile.open(f.root, "big.bin", size, first.file.temp);
  assert.ok(again.resumed, "the temporary file is found again");
  await again.file.writeAt(FLUSH_BYTES + 1, want.subarray(FLUSH_BYTES + 1));
  await again.file.sync(); // waits for the background flush the second write started
  const r = await again.file.finish({ expected: null, mtimeMs: 0, exec: false });
  assert.equal(r.status, "written");
  const got = await f.read("big.bin");
  assert.equal(got.length, size);
  assert.ok(got.every((x, i) => x === want[i]), "every byte where it was written");
});

Deno.test("a background flush that fails takes the temporary file with it: its next sync fails, and opened again it starts over", async () => {
  await using f = await testFolder();
  const size = FLUSH_BYTES + 4096;
  const first = await PartialFile.open(f.root, "big.bin", size);
  const sync = Deno.FsFile.prototype.sync;
  let failed = 0;
  Deno.FsFile.prototype.sync = function () {
    failed++;
    Deno.FsFile.prototype.sync = sync; // once
    return Promise.reject(new Error("EIO (test)"));
  };
  try {
    await first.file.writeAt(0, new Uint8Array(FLUSH_BYTES)); // starts the flush, which fails
    await assert.rejects(() => first.file.sync(), /EIO \(test\)/);
  } finally {
    Deno.FsFile.prototype.sync = sync;
  }
  assert.equal(failed, 1);
  const temps = [...Deno.readDirSync(f.root)].filter((e) => e.name.startsWith(".mycel-tmp"));
  assert.deepEqual(temps, [], "the temporary file is gone");
  first.file.close();
  const again = await PartialFile.open(f.root, "big.bin", size, first.file.temp);
  assert.equal(again.resumed, false, "nothing of it is resumed");
  again.file.close();
});

// A member may publish a version whose chunks say other lengths than their
// bytes have (found by a review): written as they came, the file grew past
// its version's size and was placed and recorded so.
Deno.test("a write past the file's size is refused, and the file stays its size", async () => {
  await using f = await testFolder();
  const { file } = await PartialFile.open(f.root, "five.bin", 5);
  await assert.rejects(
    () => file.writeAt(0, enc("more than five bytes")),
    (e: Error & { code?: string }) => e.code === "write_past_size",
  );
  await assert.rejects(
    () => file.writeAt(3, enc("abc")),
    (e: Error & { code?: string }) => e.code === "write_past_size",
  );
  await file.writeAt(0, enc("12345")); // a write in bounds still lands
  assert.equal((await Deno.lstat(f.abs(file.temp))).size, 5);
  assert.equal((await file.finish({ expected: null, mtimeMs: 0, exec: false })).status, "written");
  assert.equal(new TextDecoder().decode(await f.read("five.bin")), "12345");
});

Deno.test("a file not its version's size at the finish is not placed, and the temporary file goes", async () => {
  await using f = await testFolder();
  const { file } = await PartialFile.open(f.root, "five.bin", 5);
  await file.writeAt(0, enc("12345"));
  await Deno.truncate(f.abs(file.temp), 9); // changed from outside meanwhile
  await assert.rejects(
    () => file.finish({ expected: null, mtimeMs: 0, exec: false }),
    (e: Error & { code?: string }) =>
      e.code === "wrong_size" && /holds 9 bytes.*says 5/.test(e.message),
  );
  await assert.rejects(() => Deno.lstat(f.abs("five.bin")), Deno.errors.NotFound);
  assert.deepEqual(
    [...Deno.readDirSync(f.root)].map((e) => e.name).filter((n) => n.startsWith(".mycel-tmp")),
    [],
  );
});

Deno.test("a link put at the temporary file's name while it is written is never chmodded through, and nothing is placed", async () => {
  // Root runs rounds in a user's folder (system units): the user owns the
  // folder the temporary file waits in while its chunks come, and swaps a
  // link to a file of root's in for it.
  await using f = await testFolder();
  const outside = await Deno.makeTempDir({ prefix: "mycel-outside-" });
  try {
    const victim = join(outside, "shadow");
    await Deno.writeTextFile(victim, "root:secret\n", { mode: 0o600 });
    await Deno.chmod(victim, 0o600);
    const { file } = await PartialFile.open(f.root, "doc.txt", 5);
    await file.writeAt(0, enc("whole"));
    await Deno.rename(f.abs(file.temp), join(outside, "moved-aside"));
    await Deno.symlink(victim, f.abs(file.temp));
    await assertRejectsMycel(
      () => file.finish({ expected: null, mtimeMs: 1_700_000_000_000, exec: true }),
      "unsafe_path",
    );
    assert.equal(
      (await Deno.lstat(victim)).mode! & 0o7777,
      0o600,
      "the link's target keeps its mode",
    );
    assert.equal(await Deno.readTextFile(victim), "root:secret\n");
    assert.equal(await Deno.lstat(f.abs("doc.txt")).then(() => true, () => false), false);
    assert.deepEqual(
      [...Deno.readDirSync(f.root)].map((e) => e.name).filter((n) => n.startsWith(".mycel-tmp")),
      [],
    );
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("a resumed temporary file is the one looked at: a link swapped in after the look is never written through", async () => {
  // A user racing a root-run round in their folder: the kept temporary file
  // and a link to a file of root's take turns at its name.
  await using f = await testFolder();
  const outside = await Deno.makeTempDir({ prefix: "mycel-outside-" });
  const victim = join(outside, "shadow");
  await Deno.writeTextFile(victim, "root:secret\n", { mode: 0o600 });
  const first = await PartialFile.open(f.root, "big.bin", 8);
  await first.file.writeAt(0, enc("abcd"));
  await first.file.sync();
  first.file.close();
  const temp = f.abs(first.file.temp), aside = join(outside, "aside");
  const code = `const temp = ${JSON.stringify(temp)}, aside = ${JSON.stringify(aside)};
console.log("swapping");
for (;;) {
  Deno.renameSync(temp, aside);
  Deno.symlinkSync(${JSON.stringify(victim)}, temp);
  Deno.renameSync(aside, temp);
}`;
  const swapper = spawnProcess(Deno.execPath(), ["eval", code], { timeoutMs: 60_000 });
  try {
    await swapper.waitFor(/^swapping$/m, { stream: "stdout" });
    let resumed = 0;
    for (let i = 0; i < 10_000 && (await Deno.readTextFile(victim)) === "root:secret\n"; i++) {
      const again = await PartialFile.open(f.root, "big.bin", 8, first.file.temp);
      if (again.resumed) {
        resumed++;
        await again.file.writeAt(4, enc("efgh"));
        again.file.close();
      } else await again.file.discard();
    }
    assert.equal(
      await Deno.readTextFile(victim),
      "root:secret\n",
      `written through the link (${resumed} resumed)`,
    );
    assert.ok(resumed > 0, "the temporary file was resumed meanwhile");
  } finally {
    await swapper.stop();
    await Deno.remove(outside, { recursive: true });
  }
});
