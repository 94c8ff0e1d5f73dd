/**
 * @module stdio_registry_test
 * The registry of a home's `sync serve --stdio` processes, on a real memory
 * file system (/dev/shm) with real processes: a folder that is a link, not
 * 0700 or not ours is refused (another user could make us signal a process
 * or hide one); entries of processes gone, or whose pid now names another
 * process (start time differs), are dropped and never signalled; a live
 * entry's process gets EVICT_SIGNAL.
 */

import assert from "node:assert/strict";
import { MycelError } from "../../src/errors.ts";
import { EVICT_SIGNAL, startOf, StdioRegistry } from "../../src/transport/stdio_registry.ts";

async function runtimeDir(): Promise<string> {
  return await Deno.makeTempDir({ dir: "/dev/shm", prefix: "mycel-registry-test-" });
}

const SECRET = new Uint8Array(32).fill(7);

const envOf = (runtime: string) => (name: string) =>
  name === "XDG_RUNTIME_DIR" ? runtime : undefined;

function entryFile(dir: string, e: { pid: number; start: string }): void {
  const entry = { ...e, source: "127.0.0.9", since: 1, standing: "quiet" };
  Deno.writeTextFileSync(`${dir}/${e.pid}-${e.start}.json`, JSON.stringify(entry));
}

Deno.test("StdioRegistry: a runtime folder that is a link, not 0700, or another user's is refused", async () => {
  const runtime = await runtimeDir();
  const home = await Deno.makeTempDir();
  try {
    const elsewhere = await Deno.makeTempDir({ dir: "/dev/shm" });
    await Deno.symlink(elsewhere, `${runtime}/mycel`);
    const refused = (why: RegExp) =>
      assert.throws(() => StdioRegistry.open(home, envOf(runtime), SECRET), (e: unknown) => {
        assert.ok(e instanceof MycelError && e.code === "unsafe_runtime_dir", String(e));
        assert.match(e.message, why);
        return true;
      });
    refused(/not a plain folder/);
    await Deno.remove(`${runtime}/mycel`);
    await Deno.remove(elsewhere);
    await Deno.mkdir(`${runtime}/mycel`, { mode: 0o755 });
    await Deno.chmod(`${runtime}/mycel`, 0o755);
    refused(/mode is not 0700/);
    if (Deno.uid() === 0) {
      await Deno.chmod(`${runtime}/mycel`, 0o700);
      await Deno.chown(`${runtime}/mycel`, 65534, 65534);
      refused(/belongs to uid 65534/);
    } else {
      console.log("skipped the other owner's folder: needs root to chown");
    }
  } finally {
    await Deno.remove(runtime, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("StdioRegistry: entries of processes gone or of a reused pid are dropped unsignalled; a live one is terminated", async () => {
  const runtime = await runtimeDir();
  const home = await Deno.makeTempDir();
  const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    using registry = StdioRegistry.open(home, envOf(runtime), SECRET);
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    entryFile(registry.dir, { pid: gone.pid, start: "1" });
    // The sleeper's pid, with another start time: a process that had its pid before.
    const start = startOf(sleeper.pid)!;
    entryFile(registry.dir, { pid: sleeper.pid, start: String(Number(start) - 1) });
    const seen = registry.locked((view) => view.live.map((e) => e.pid));
    assert.deepEqual(seen, [], "neither entry is live");
    assert.deepEqual([...Deno.readDirSync(registry.dir)].map((e) => e.name), ["lock"]);

    entryFile(registry.dir, { pid: sleeper.pid, start });
    registry.locked((view) => {
      view.putSelf({ source: "127.0.0.1", since: 2, standing: "kept" });
      assert.equal(view.live.length, 2);
      assert.ok(view.terminate(view.live.find((e) => e.pid === sleeper.pid)!));
    });
    const status = await sleeper.status;
    assert.equal(status.signal, EVICT_SIGNAL);
    assert.deepEqual(registry.locked((view) => view.live.map((e) => e.pid)), [Deno.pid]);
  } finally {
    try {
      sleeper.kill("SIGKILL");
    } catch {
      // already ended
    }
    await sleeper.status;
    await Deno.remove(runtime, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("StdioRegistry: the folder is named under the home's secret, so another user can't make it first", async () => {
  const runtime = await runtimeDir();
  const home = await Deno.makeTempDir();
  try {
    using a = StdioRegistry.open(home, envOf(runtime), SECRET);
    using b = StdioRegistry.open(home, envOf(runtime), new Uint8Array(32).fill(8));
    assert.notEqual(a.dir, b.dir, "another secret, another folder");
    assert.match(a.dir, /\/serve-[0-9a-f]{32}$/);
    // Without a runtime folder of the user's own: /dev/shm, writable by all,
    // where the name is all that keeps another user from making it first.
    const base = "/run/mycel"; // root's, when /run is a memory file system
    const hadBase = await Deno.lstat(base).then(() => true, () => false);
    const c = StdioRegistry.open(home, () => undefined, SECRET);
    try {
      if (c.dir.startsWith("/dev/shm/")) {
        assert.match(c.dir, /^\/dev\/shm\/mycel-[0-9a-f]{32}$/);
        assert.doesNotMatch(c.dir, new RegExp(`mycel-${Deno.uid()}$`));
      }
    } finally {
      c[Symbol.dispose]();
      await Deno.remove(c.dir, { recursive: true }).catch(() => {});
      if (!hadBase && c.dir.startsWith(`${base}/`)) await Deno.remove(base).catch(() => {});
    }
  } finally {
    await Deno.remove(runtime, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});
