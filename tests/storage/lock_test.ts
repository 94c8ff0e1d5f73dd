/**
 * @module lock_test
 * The writers' lock: the holder's PID is recorded, a second writer waits and
 * times out with `locked` naming the holder, waiting writers get the lock as
 * soon as it is released, and a killed holder never leaves a stale lock.
 */

import assert from "node:assert/strict";
import { acquireLock, lockHolder } from "../../src/storage/lock.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { modeOf, tempDir } from "./helpers.ts";

Deno.test("acquireLock() creates the lock file 0600 and records our PID", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/lock`;
  const held = await acquireLock(path, 1000);
  try {
    assert.equal(await modeOf(path), 0o600);
    assert.equal(await lockHolder(path), Deno.pid);
  } finally {
    held.release();
  }
});

Deno.test("a second acquireLock() waits and times out with locked, naming the holder's PID", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/lock`;
  const held = await acquireLock(path, 1000);
  try {
    const t0 = performance.now();
    const e = await assertRejectsMycel(() => acquireLock(path, 300), "locked");
    const waited = performance.now() - t0;
    assert.ok(waited >= 250, `gave up after ${waited} ms`);
    assert.ok(waited < 3000, `waited ${waited} ms`);
    assert.equal(e.value, `pid ${Deno.pid}`);
    assert.match(e.message, new RegExp(`pid ${Deno.pid}`));
    assert.ok(e.hint);
  } finally {
    held.release();
  }
});

Deno.test("a waiting acquireLock() gets the lock as soon as the holder releases it", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/lock`;
  const held = await acquireLock(path, 1000);
  setTimeout(() => held.release(), 150);
  const second = await acquireLock(path, 5000);
  second.release();
});

Deno.test("release() is idempotent and the lock can be taken again", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/lock`;
  const a = await acquireLock(path, 1000);
  a.release();
  a.release();
  const b = await acquireLock(path, 300);
  b.release();
});

Deno.test("a lock held by another process is reported with that PID and dies with it", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/lock`;
  const lockTs = new URL("../../src/storage/lock.ts", import.meta.url).href;
  const code = `import { acquireLock } from ${JSON.stringify(lockTs)};
    await acquireLock(${JSON.stringify(path)}, 5000);
    console.log("held");
    await new Promise(() => setInterval(() => {}, 1000));`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  try {
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /held/);
    reader.releaseLock();
    const e = await assertRejectsMycel(() => acquireLock(path, 200), "locked");
    assert.equal(e.value, `pid ${child.pid}`);
    child.kill("SIGKILL"); // the kernel drops the flock with the process
    await child.status;
    const mine = await acquireLock(path, 5000);
    assert.equal(await lockHolder(path), Deno.pid);
    mine.release();
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.stdout.cancel().catch(() => {});
    await child.status;
  }
});

Deno.test("lockHolder() is undefined for a missing, empty or garbage lock file", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/lock`;
  assert.equal(await lockHolder(path), undefined);
  for (const text of ["", "abc\n", "-5\n", "0\n", "pid"]) {
    await Deno.writeTextFile(path, text);
    assert.equal(await lockHolder(path), undefined, JSON.stringify(text));
  }
  await Deno.writeTextFile(path, " 4242 \n");
  assert.equal(await lockHolder(path), 4242);
});
