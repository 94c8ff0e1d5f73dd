/**
 * Lock files are opened only inside the home folder its guard checked
 * (src/storage/lock_file.ts): a home folder, or a folder above it, swapped
 * for a link or another folder after the check never makes root create or
 * lock a file of the lock's name where the link leads. Before, only a link
 * at the lock file's own name was refused.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { openLockFile, rememberGuardedFolder } from "../../src/storage/lock_file.ts";

const exists = (p: string) => Deno.lstat(p).then(() => true, () => false);

Deno.test("a lock file's folder that is a link is refused: no file is made where it leads", async () => {
  if (Deno.build.os !== "linux") return console.log("skipped: opens by descriptor are Linux's");
  const dir = await Deno.makeTempDir({ prefix: "mycel-lockdir-" });
  try {
    await Deno.mkdir(join(dir, "target"));
    await Deno.symlink(join(dir, "target"), join(dir, "linkdir"));
    await assert.rejects(
      () => openLockFile(join(dir, "linkdir", "mesh.lock"), "mesh lock"),
      (e: Error & { code?: string }) => e.code === "unsafe_home",
    );
    assert.equal(await exists(join(dir, "target", "mesh.lock")), false);
    // An existing file there is not opened (nor locked) either.
    await Deno.writeTextFile(join(dir, "target", "round.lock"), "");
    await assert.rejects(() => openLockFile(join(dir, "linkdir", "round.lock"), "round lock"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a home folder swapped for another after its guard is refused: the lock is not made in the other", async () => {
  if (Deno.build.os !== "linux") return console.log("skipped: opens by descriptor are Linux's");
  const dir = await Deno.makeTempDir({ prefix: "mycel-lockdir-" });
  try {
    const home = join(dir, "home");
    await Deno.mkdir(home);
    rememberGuardedFolder(home, await Deno.lstat(home)); // as guardHome does
    await Deno.rename(home, join(dir, "was-home"));
    await Deno.mkdir(join(dir, "other"));
    await Deno.symlink(join(dir, "other"), home);
    await assert.rejects(() => openLockFile(join(home, "mesh.lock"), "mesh lock"));
    await Deno.remove(home);
    await Deno.rename(join(dir, "other"), home); // a real folder, not the one guarded
    await assert.rejects(() => openLockFile(join(home, "mesh.lock"), "mesh lock"));
    assert.equal(await exists(join(home, "mesh.lock")), false);
    await Deno.remove(home, { recursive: true });
    await Deno.rename(join(dir, "was-home"), home); // the guarded one back: fine
    (await openLockFile(join(home, "mesh.lock"), "mesh lock")).close();
    assert.equal(await exists(join(home, "mesh.lock")), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
