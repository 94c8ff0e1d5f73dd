/**
 * @module round_lock_test
 * The round guard (src/storage/round_lock.ts) across real processes: one
 * holder at a time, the holder's PID named, free again on release and when
 * the holder is killed (never stale), a no-op for a home that does not
 * exist; and `mycel sync now` stepping aside (exit 0, one line on stderr,
 * no round) while another round holds it, but waiting out the push after a
 * change (which scans and fetches nothing) and then running.
 */

import assert from "node:assert/strict";
import { ROUND_LOCK_FILE, type RoundKind, tryRoundGuard } from "../../src/storage/round_lock.ts";
import { tempHome } from "../helpers/mycel.ts";
import { spawnProcess } from "../helpers/process.ts";

const MODULE = new URL("../../src/storage/round_lock.ts", import.meta.url).href;

/** A separate process that takes the guard of `root` as `kind`, says so, and holds it until killed. */
async function holder(root: string, kind: RoundKind = "round") {
  const code = `const { tryRoundGuard } = await import(${JSON.stringify(MODULE)});
const r = await tryRoundGuard(${JSON.stringify(root)}, ${JSON.stringify(kind)});
console.log(r.held ? "held" : "busy");
setInterval(() => {}, 60_000); // keep running (and holding) until killed`;
  const p = spawnProcess(Deno.execPath(), ["eval", code], { timeoutMs: 60_000 });
  await p.waitFor(/^(held|busy)$/m, { stream: "stdout" });
  return p;
}

Deno.test("round guard: one holder at a time, named by PID, free after release or kill -9", async () => {
  const root = await Deno.makeTempDir({ prefix: "mycel-round-" });
  try {
    const mine = await tryRoundGuard(root);
    assert.ok(mine.held);
    assert.equal((await Deno.stat(`${root}/${ROUND_LOCK_FILE}`)).mode! & 0o777, 0o600);
    const other = await holder(root);
    assert.match(other.stdout, /^busy$/m, "a second process does not get it");
    await other.stop();
    mine.guard.release();
    mine.guard.release(); // idempotent

    const p = await holder(root);
    assert.match(p.stdout, /^held$/m);
    const busy = await tryRoundGuard(root);
    assert.deepEqual(busy, { held: false, holder: p.child.pid, kind: "round" });
    await p.stop("SIGKILL");
    const after = await tryRoundGuard(root);
    assert.ok(after.held, "the kernel dropped the dead holder's lock");
    after.guard.release();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("round guard: a home that does not exist has nothing to guard", async () => {
  const r = await tryRoundGuard("/nonexistent/mycel-home");
  assert.ok(r.held);
  r.guard.release();
});

Deno.test("sync now steps aside while another round holds the guard: exit 0, a note, no round", async () => {
  await using h = await tempHome("mycel-round-cli-");
  await h.ok(["--no-sync", "init", "--name", "solo"]);
  const p = await holder(h.home);
  try {
    assert.match(p.stdout, /^held$/m);
    const r = await h.run(["sync", "now", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    // This invocation ran no session: [] (still JSON, as offline; before, nothing at all).
    assert.deepEqual(JSON.parse(r.stdout), []);
    assert.equal(
      r.stderr,
      `Another sync round is running (pid ${p.child.pid}); this one is skipped.\n`,
    );
  } finally {
    await p.stop();
  }
  const free = await h.run(["sync", "now", "--json"]);
  assert.equal(free.code, 0, free.stderr);
  assert.deepEqual(JSON.parse(free.stdout), [], "a round ran (no peers yet)");
});

Deno.test("sync now waits out the push after a change, then runs its round: the new file is published", async () => {
  await using h = await tempHome("mycel-round-push-");
  await h.ok(["--no-sync", "init", "--name", "solo"]);
  const dir = await Deno.makeTempDir({ prefix: "mycel-round-push-folder-" });
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "a");
    await h.ok(["--no-sync", "folder", "add", dir]);
    await Deno.writeTextFile(`${dir}/b.txt`, "b"); // only a round's scan publishes it
    const p = await holder(h.home, "push");
    try {
      assert.match(p.stdout, /^held$/m);
      const round = h.spawn(["sync", "now"]);
      // It waits while the push holds the guard (however slow it was to start)…
      await round.waitFor(
        new RegExp(`^Waiting for the push after a change \\(pid ${p.child.pid}\\) to end…$`, "m"),
        { stream: "stderr", timeoutMs: 30_000 },
      );
      await p.stop(); // …and runs once the push is over.
      const r = await round.result();
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /skipped/);
    } finally {
      await p.stop();
    }
    const status = JSON.parse((await h.ok(["folder", "status", "--json"])).stdout);
    assert.equal(status[0].files, 2, "the round after the push scanned the folder");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a push steps aside for a whole round: exit 0, the note, no session", async () => {
  await using h = await tempHome("mycel-round-push-aside-");
  await h.ok(["--no-sync", "init", "--name", "solo"]);
  const round = await holder(h.home);
  try {
    const r = await h.run(["sync", "now", "--push", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
    assert.equal(
      r.stderr,
      `Another sync round is running (pid ${round.child.pid}); this one is skipped.\n`,
    );
  } finally {
    await round.stop();
  }
});
