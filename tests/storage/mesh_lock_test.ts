/**
 * @module mesh_lock_test
 * The mesh lock (src/storage/mesh_lock.ts) across real processes: a second
 * change waits while another holds it and gets it once that one is done;
 * one held past the wait is refused in house form, naming the holder's PID;
 * and, as every lock in the home, it is never taken through a link.
 */

import assert from "node:assert/strict";
import { holdMeshLock, MESH_LOCK_FILE } from "../../src/storage/mesh_lock.ts";
import { spawnProcess } from "../helpers/process.ts";

const MODULE = new URL("../../src/storage/mesh_lock.ts", import.meta.url).href;

/** A separate process that holds the mesh lock of `root` until killed. */
async function holder(root: string) {
  const code = `const { holdMeshLock } = await import(${JSON.stringify(MODULE)});
await holdMeshLock(${JSON.stringify(root)}, "bring the mesh up");
console.log("held");
setInterval(() => {}, 60_000); // keep holding until killed`;
  const p = spawnProcess(Deno.execPath(), ["eval", code], { timeoutMs: 60_000 });
  await p.waitFor(/^held$/m, { stream: "stdout" });
  return p;
}

Deno.test("mesh lock: a second change waits for the first, and is refused with its PID past the wait", async () => {
  const root = await Deno.makeTempDir({ prefix: "mycel-meshlock-" });
  try {
    const other = await holder(root);
    try {
      await assert.rejects(
        () => holdMeshLock(root, "bring the mesh up", 300),
        (e: Error & { code?: string; hint?: string }) => {
          assert.equal(e.code, "mesh_busy");
          assert.equal(
            e.message,
            `Cannot bring the mesh up: another mycel is changing the interface (pid ${other.pid})`,
          );
          assert.match(e.hint ?? "", /once that one has finished/);
          return true;
        },
      );
      // Waiting: it is taken as soon as the holder is gone.
      const waiting = holdMeshLock(root, "bring the mesh up", 10_000);
      await new Promise((r) => setTimeout(r, 200));
      await other.stop();
      using _lock = await waiting;
      assert.equal((await Deno.readTextFile(`${root}/${MESH_LOCK_FILE}`)).trim(), `${Deno.pid}`);
    } finally {
      await other.stop().catch(() => {});
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("mesh lock: Ctrl-C while waiting for another change ends the wait at once with the interruption (exit 130)", async () => {
  const root = await Deno.makeTempDir({ prefix: "mycel-meshlock-" });
  try {
    const other = await holder(root);
    try {
      const ctrlC = new AbortController();
      const t0 = performance.now();
      setTimeout(() => ctrlC.abort(), 200);
      await assert.rejects(
        () => holdMeshLock(root, "bring the mesh up", 30_000, ctrlC.signal),
        (e: Error & { code?: string; exit?: number }) => {
          assert.equal(e.code, "sync_interrupted");
          assert.equal(e.exit, 130);
          assert.equal(e.message, "Cannot bring the mesh up: it was interrupted");
          return true;
        },
      );
      assert.ok(performance.now() - t0 < 2_000, "not the 30 s wait");
      // The holder still holds it: nothing was taken.
      assert.equal((await Deno.readTextFile(`${root}/${MESH_LOCK_FILE}`)).trim(), `${other.pid}`);
    } finally {
      await other.stop().catch(() => {});
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("mesh lock: a link in its place is refused", async () => {
  const root = await Deno.makeTempDir({ prefix: "mycel-meshlock-" });
  try {
    await Deno.writeTextFile(`${root}/elsewhere`, "");
    await Deno.symlink(`${root}/elsewhere`, `${root}/${MESH_LOCK_FILE}`);
    await assert.rejects(() => holdMeshLock(root, "bring the mesh up"), /not a plain file/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("mesh lock: a link swapped in while it is opened never makes root create the file it names", async () => {
  // Root (sudo mycel mesh up) opens the lock in a user's home; the user
  // plants a link to a file that does not exist (/etc/nologin, say) and
  // takes it away again and again, racing the check before the open.
  const root = await Deno.makeTempDir({ prefix: "mycel-meshlock-" });
  const lock = `${root}/${MESH_LOCK_FILE}`;
  const named = `${root}/outside/nologin`;
  await Deno.mkdir(`${root}/outside`);
  const code = `const lock = ${JSON.stringify(lock)}, named = ${JSON.stringify(named)};
console.log("swapping");
for (;;) {
  try { Deno.symlinkSync(named, lock); } catch { /* our lock file is there */ }
  try { if (Deno.lstatSync(lock).isSymlink) Deno.removeSync(lock); } catch { /* gone */ }
}`;
  const swapper = spawnProcess(Deno.execPath(), ["eval", code], { timeoutMs: 60_000 });
  try {
    await swapper.waitFor(/^swapping$/m, { stream: "stdout" });
    let taken = 0, refused = 0;
    for (let i = 0; i < 3000 && !(await exists(named)); i++) {
      try {
        using _held = await holdMeshLock(root, "bring the mesh up", 0);
        taken++;
      } catch {
        refused++; // a link at the name: refused, as it should be
      }
      await Deno.remove(lock).catch(() => {}); // the next attempt finds the name free again
    }
    assert.equal(
      await exists(named),
      false,
      `created through the link (${taken} taken, ${refused} refused)`,
    );
    assert.ok(
      taken > 0 && refused > 0,
      `the race ran both ways (${taken} taken, ${refused} refused)`,
    );
  } finally {
    await swapper.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name:
    "mesh lock: an existing lock file swapped for a link while it is opened is never opened through the link",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // Root (mesh up of system units, before and after each round) opens the
    // existing lock in a user's home; the user swaps it for a link and back
    // again and again, racing the check before the open. The link names a
    // FIFO a reader waits on: opening it for writing, as a device would be
    // opened, lets the reader through.
    const root = await Deno.makeTempDir({ prefix: "mycel-meshlock-" });
    const lock = `${root}/${MESH_LOCK_FILE}`;
    const fifo = `${root}/outside/fifo`;
    await Deno.mkdir(`${root}/outside`);
    await new Deno.Command("mkfifo", { args: ["-m", "600", fifo] }).output();
    (await holdMeshLock(root, "bring the mesh up", 0))[Symbol.dispose]();
    const reader = spawnProcess(Deno.execPath(), [
      "eval",
      `console.log("waiting"); Deno.openSync(${JSON.stringify(fifo)}, { read: true }); ` +
      `console.log("opened");`,
    ], { timeoutMs: 60_000 });
    const code = `const lock = ${JSON.stringify(lock)}, fifo = ${JSON.stringify(fifo)};
console.log("swapping");
for (let i = 0;; i++) {
  try { Deno.symlinkSync(fifo, lock + ".l"); Deno.renameSync(lock + ".l", lock); } catch { /* again */ }
  try { Deno.writeFileSync(lock + ".f", new Uint8Array()); Deno.renameSync(lock + ".f", lock); } catch { /* again */ }
}`;
    const swapper = spawnProcess(Deno.execPath(), ["eval", code], { timeoutMs: 60_000 });
    try {
      await reader.waitFor(/^waiting$/m, { stream: "stdout" });
      await swapper.waitFor(/^swapping$/m, { stream: "stdout" });
      let taken = 0, refused = 0;
      for (let i = 0; i < 3000 && !reader.exited; i++) {
        try {
          using _held = await holdMeshLock(root, "bring the mesh up", 0);
          taken++;
        } catch {
          refused++; // a link at the name: refused, as it should be
        }
      }
      await new Promise((r) => setTimeout(r, 200)); // a reader let through prints and exits
      assert.equal(
        reader.exited,
        false,
        `opened through the link (${taken} taken, ${refused} refused)`,
      );
      assert.ok(
        taken > 0 && refused > 0,
        `the race ran both ways (${taken} taken, ${refused} refused)`,
      );
    } finally {
      await swapper.stop();
      await reader.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

function exists(path: string): Promise<boolean> {
  return Deno.lstat(path).then(() => true, () => false);
}
