/**
 * @module disk_test
 * Real file systems that refuse writes, through real `mycel` processes (root:
 * they mount a small tmpfs and a read-only bind mount; in CI):
 * - a full disk: a write fails with the named error, is not applied and not
 *   replicated; after space is freed, writes work and nothing is lost; a
 *   read with no room for SQLite's shared-memory file says the disk is full;
 * - a read-only home: reads work, every write (a round, a new home there)
 *   says so, nothing changes, and `doctor` names it.
 */

import assert from "node:assert/strict";
import { runProcess } from "../helpers/process.ts";
import { mycel, type StatusJson } from "../helpers/mycel.ts";

const ROOT = Deno.uid() === 0;
if (!ROOT) {
  console.error(
    "disk_test: skipped outside CI: mounting a tmpfs and a read-only bind mount needs root",
  );
}

async function mount(args: string[]): Promise<void> {
  const r = await runProcess("mount", args);
  assert.equal(r.code, 0, r.stderr);
}

async function umount(dir: string): Promise<void> {
  await runProcess("umount", [dir]);
}

async function fill(dir: string): Promise<string> {
  const path = `${dir}/filler`;
  // dd stops at "No space left"; what is left is less than one block.
  await runProcess("dd", ["if=/dev/zero", `of=${path}`, "bs=4096"]);
  await runProcess("dd", ["if=/dev/zero", `of=${path}.tail`, "bs=512"]);
  return path;
}

Deno.test({
  name:
    "a full disk: the write fails with the named error, nothing is applied or replicated, then all recovers; a read with no room says the disk is full",
  ignore: !ROOT,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "mycel-full-" });
    await mount(["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir]);
    try {
      const home = `${dir}/home`;
      const run = (args: string[]) => mycel(args, { home, env: { MYCEL_NO_PUSH: "1" } });
      assert.equal((await run(["init", "--name", "box"])).code, 0);
      assert.equal((await run(["pref", "set", "kept", "yes"])).code, 0);
      const before = JSON.parse((await run(["status", "--json"])).stdout) as StatusJson;
      const filler = await fill(dir);
      const failed = await run(["pref", "set", "lost", "x".repeat(60_000)]);
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, /Cannot save change: the disk is full \(.*\)/);
      assert.match(failed.stderr, /hint: Free some space/);
      assert.doesNotMatch(failed.stderr, /internal error/);
      // Nothing of it was applied: same head, same digest, no value.
      const after = JSON.parse((await run(["status", "--json"])).stdout) as StatusJson;
      assert.deepEqual(after.log.heads, before.log.heads);
      assert.equal(after.state_digest, before.state_digest);
      assert.equal((await run(["pref", "get", "lost"])).code, 2);
      await Deno.remove(filler);
      await Deno.remove(`${filler}.tail`).catch(() => {});
      assert.equal((await run(["pref", "set", "again", "ok"])).code, 0);
      const prefs = JSON.parse((await run(["pref", "list", "--json"])).stdout);
      assert.deepEqual(prefs, { again: "ok", kept: "yes" });

      // A read needs room for SQLite's shared-memory file, which the last
      // writer removes when it closes (a reader leaves it): without it a read
      // says the disk is full (it said "disk I/O error", with no hint).
      await Deno.remove(`${home}/mycel.db-shm`).catch(() => {});
      await fill(dir);
      for (const args of [["status"], ["doctor", "--no-sync"]]) {
        const read = await run(args);
        assert.doesNotMatch(read.stderr + read.stdout, /disk I\/O error|internal error/, args[0]);
        assert.match(read.stdout + read.stderr, /Cannot open the mycel home: the disk is full \(/);
        assert.match(read.stdout + read.stderr, /hint: Free some space/);
      }
    } finally {
      await umount(dir);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a read-only home: reads work, writes, rounds and a new home there say it is read-only and change nothing, doctor names it",
  ignore: !ROOT,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "mycel-ro-" });
    const src = `${dir}/src`, ro = `${dir}/ro`;
    await Deno.mkdir(ro);
    const env = { MYCEL_NO_PUSH: "1" };
    assert.equal((await mycel(["init", "--name", "box"], { home: src, env })).code, 0);
    assert.equal((await mycel(["pref", "set", "theme", "dark"], { home: src, env })).code, 0);
    await mount(["--bind", "-o", "ro", src, ro]);
    try {
      const read = await mycel(["pref", "list", "--json"], { home: ro, env });
      assert.equal(read.code, 0, read.stderr);
      assert.deepEqual(JSON.parse(read.stdout), { theme: "dark" });
      assert.equal((await mycel(["status"], { home: ro, env })).code, 0);
      // Exporting this device's WireGuard config only reads (it opened the
      // home for writing and failed as read-only): here it gets as far as
      // saying the device has no peers to put in it.
      const wg = await mycel(["mesh", "export-wg"], { home: ro, env });
      assert.equal(wg.code, 1, wg.stderr);
      assert.match(wg.stderr, /Cannot export WireGuard config: this device has no peers yet/);
      for (
        const args of [["pref", "set", "theme", "light"], ["app", "add", "git"], [
          "pattern",
          "add",
          '{"id":"a"}',
        ]]
      ) {
        const w = await mycel(args, { home: ro, env });
        assert.equal(w.code, 1, `${args.join(" ")}: ${w.stderr}`);
        assert.match(
          w.stderr,
          /Cannot write to the mycel home: it is read-only \(.*\)/,
          args.join(" "),
        );
      }
      // A round and a new home there are refused by name too (they said
      // "internal error: Read-only file system").
      for (const [args, home] of [[["sync", "now"], ro], [["init", "--name", "x"], `${ro}/new`]]) {
        const w = await mycel(args as string[], { home: home as string, env });
        assert.equal(w.code, 1, `${(args as string[]).join(" ")}: ${w.stderr}`);
        assert.match(w.stderr, /Cannot write to the mycel home: it is read-only \(.*\)/);
        assert.doesNotMatch(w.stderr, /internal error/);
      }
      const doctor = await mycel(["doctor", "--json"], { home: ro, env });
      assert.equal(doctor.code, 1);
      const findings = JSON.parse(doctor.stdout).findings as {
        check: string;
        ok: boolean;
        detail: string;
      }[];
      assert.ok(
        findings.some((f) => f.check === "disk" && !f.ok && /read-only/.test(f.detail)),
        doctor.stdout,
      );
      assert.deepEqual(
        JSON.parse((await mycel(["pref", "list", "--json"], { home: ro, env })).stdout),
        { theme: "dark" },
      );
    } finally {
      await umount(ro);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
