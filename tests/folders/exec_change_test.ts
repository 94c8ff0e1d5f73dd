/**
 * An exec-bit change made on one device, arriving on another whose file
 * holds the same bytes: the bit is changed in place (same inode, same
 * bytes) and nothing is kept under `.mycel/versions` — before, every chmod
 * replaced the file and kept one more identical copy of it (three chmods of
 * a 2-byte file, three kept versions; a three-device walkthrough, issue 13).
 * Where the bit can't be changed in place (a file this device's user does
 * not own), the file is replaced as before, but no identical copy is kept.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { Devices } from "../sync/_helpers.ts";
import { devices, put, sharedFolder, syncOk, text, treeHash } from "./_helpers.ts";
import { NOBODY_UNAVAILABLE, USER } from "./_as_nobody.ts";

const execOf = (path: string) => ((Deno.lstatSync(path).mode ?? 0) & 0o111) !== 0;

Deno.test("an exec-bit change from another device is made in place: same inode, same bytes, no kept copy", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (ra) => put(ra, "run.sh", "x\n"),
  });
  await syncOk(b);
  const file = join(rb, "run.sh");
  const ino = Deno.lstatSync(file).ino;
  const mtime = Deno.lstatSync(file).mtime?.getTime();
  for (const [mode, exec] of [[0o755, true], [0o644, false], [0o755, true]] as const) {
    await Deno.chmod(join(ra, "run.sh"), mode);
    await syncOk(a);
    const r = await syncOk(b);
    const shown = `${r.stdout}${r.stderr}`;
    assert.equal(execOf(file), exec, `chmod ${mode.toString(8)} arrived: ${shown}`);
    assert.equal(Deno.lstatSync(file).ino, ino, "changed in place, not replaced");
    assert.equal(Deno.lstatSync(file).mtime?.getTime(), mtime);
    assert.equal(await text(rb, "run.sh"), "x\n");
    assert.deepEqual(
      await b.tmp.json(["folder", "versions", file, "--json"]),
      [],
      "no identical copy kept",
    );
  }
  assert.equal(await treeHash(rb), await treeHash(ra));
  // b publishes nothing back: the bit it set is the version it took.
  const scan = await b.ok(["--no-sync", "folder", "scan"]);
  assert.match(scan.stdout, /published 0 changes/, scan.stdout);
});

Deno.test({
  name:
    "an exec-bit change this device's user can't make in place replaces the file, and keeps no identical copy",
  ignore: NOBODY_UNAVAILABLE !== undefined,
  async fn() {
    await using devs = new Devices();
    await devs.add("a");
    await devs.add("b", undefined, USER);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      seed: (ra) => put(ra, "run.sh", "x\n"),
    });
    await syncOk(b);
    const file = join(rb, "run.sh");
    // Another user's file in b's folder (a `sudo cp`): b may replace it, not chmod it.
    await Deno.chown(file, 0, 0);
    await syncOk(b);
    const ino = Deno.lstatSync(file).ino; // its scan sees the new owner: the chmod below is refused, not skipped
    await Deno.chmod(join(ra, "run.sh"), 0o755);
    await syncOk(a);
    const r = await syncOk(b);
    assert.ok(execOf(file), `${r.stdout}${r.stderr}`);
    assert.notEqual(Deno.lstatSync(file).ino, ino, "replaced: the chmod was refused");
    assert.equal(await text(rb, "run.sh"), "x\n");
    assert.deepEqual(await b.tmp.json(["folder", "versions", file, "--json"]), []);
  },
});
