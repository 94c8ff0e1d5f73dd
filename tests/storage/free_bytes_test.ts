/**
 * @module free_bytes_test
 * How much room a disk has, told by a real `df` — and, when `df` hangs (a
 * hung network mount), "cannot be told" after the deadline instead of a
 * command that never returns. The stand-in `df` is a real process that never
 * answers. Ctrl-C (the signal) ends it at once with `sync_interrupted`.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { freeBytes, freeBytesSync } from "../../src/storage/disk.ts";

async function hungDf(): Promise<{ program: string; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-df-" });
  const program = `${dir}/df`;
  // exec: the sleeping process is the one killed (no orphan keeps the pipe open).
  await Deno.writeTextFile(program, "#!/bin/sh\nexec sleep 600\n");
  await Deno.chmod(program, 0o755);
  return { program, dir };
}

Deno.test("free space of a real directory is a positive number of bytes, both ways", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await freeBytes(dir);
    const b = freeBytesSync(dir);
    assert.ok(a !== undefined && a > 0, `async: ${a}`);
    assert.ok(b !== undefined && b > 0, `sync: ${b}`);
    assert.equal(a % 1024, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("free space of a path that does not exist cannot be told (undefined, no error)", async () => {
  assert.equal(await freeBytes("/nonexistent/mycel/path"), undefined);
  assert.equal(freeBytesSync("/nonexistent/mycel/path"), undefined);
});

Deno.test("a df that never answers: both ways give up at the deadline and say it cannot be told", async () => {
  const { program, dir } = await hungDf();
  try {
    const t0 = performance.now();
    assert.equal(await freeBytes(dir, { program, timeoutMs: 300 }), undefined);
    assert.equal(freeBytesSync(dir, { program, timeoutMs: 300 }), undefined);
    // The stand-in sleeps 600 s: returning at all shows the deadline worked.
    assert.ok(performance.now() - t0 < 60_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a hung df that ignores SIGTERM is killed at the deadline, not left running", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-df-" });
  const program = `${dir}/df`;
  await Deno.writeTextFile(
    program,
    `#!/bin/sh\ntrap '' TERM\necho $$ > "${dir}/pid"\nexec sleep 600\n`,
  );
  await Deno.chmod(program, 0o755);
  let pid = 0;
  try {
    assert.equal(await freeBytes(dir, { program, timeoutMs: 300 }), undefined);
    pid = Number(await Deno.readTextFile(`${dir}/pid`));
    let state = "";
    for (let i = 0; i < 50; i++) {
      // Gone, or a zombie not yet reaped: either way no longer running.
      state = await Deno.readTextFile(`/proc/${pid}/stat`).then(
        (s) => s.split(") ")[1][0],
        () => "gone",
      );
      if (state === "gone" || state === "Z") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(state === "gone" || state === "Z", `df stand-in ${pid} is still in state ${state}`);
  } finally {
    if (pid > 0) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone, as it should be */ }
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Ctrl-C during a hung df ends it at once with the interruption (exit 130), not at the deadline", async () => {
  const { program, dir } = await hungDf();
  const ctrlC = new AbortController();
  try {
    const t0 = performance.now();
    setTimeout(() => ctrlC.abort(), 100);
    await assert.rejects(
      freeBytes(dir, { program, timeoutMs: 30_000, signal: ctrlC.signal }),
      (e: unknown) => isMycelError(e, "sync_interrupted") && e.exit === 130,
    );
    assert.ok(performance.now() - t0 < 5_000, "well before the 30 s deadline");
    await assert.rejects(
      freeBytes(dir, { program, signal: ctrlC.signal }),
      (e: unknown) => isMycelError(e, "sync_interrupted"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
