/**
 * @module undecoded_path_test
 * A folder whose name is not UTF-8 (bytes a shell passes as they are) given
 * to `folder add`, `join` and `move`: the runtime reads such an argument
 * with U+FFFD in place of the bytes, a path where the user's folder is not.
 * Each is refused by name, exit 2, and nothing is made: before, `add` said
 * "it does not exist" of a folder that does, and `join` made a second
 * folder under the mangled name and synced into it. Real processes; the
 * raw bytes go through `sh` (a test's arguments are strings).
 */

import assert from "node:assert/strict";
import { childEnv, MAIN_TS, type TempHome, tempHome } from "../helpers/mycel.ts";
import { denoRunArgs } from "../../src/runtime_flags.ts";

/** `mycel ARGS… DIR/bad<0xff>dir` on `h`'s home, the last argument made by printf in sh. */
async function withBadName(h: TempHome, args: string[]) {
  const script = 'exec "$@" "$(printf "%s/bad\\377dir" "$MYCEL_TEST_DIR")"';
  const out = await new Deno.Command("sh", {
    args: ["-c", script, "sh", Deno.execPath(), ...denoRunArgs(MAIN_TS), ...args],
    env: { ...childEnv({ home: h.home }), MYCEL_TEST_DIR: h.dir },
    clearEnv: true,
  }).output();
  const td = new TextDecoder();
  return { code: out.code, stdout: td.decode(out.stdout), stderr: td.decode(out.stderr) };
}

/** The names in `dir`, sorted. */
async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("folder add, join and move refuse a path that is not UTF-8 and make nothing", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  // The user's folder, named with a byte that is not UTF-8.
  const made = await new Deno.Command("sh", {
    args: ["-c", 'mkdir "$(printf "%s/bad\\377dir" "$0")"', h.dir],
  }).output();
  assert.equal(made.code, 0);
  // An offer to join (shared here, then left), and a folder synced here to move.
  await Deno.mkdir(h.path("offer"));
  await h.ok(["--no-sync", "folder", "add", h.path("offer"), "--id", "offer"]);
  await h.ok(["--no-sync", "folder", "remove", "offer"]);
  await Deno.mkdir(h.path("music"));
  await h.ok(["--no-sync", "folder", "add", h.path("music"), "--id", "music"]);
  const before = await names(h.dir);
  const listed = (await h.ok(["folder", "list", "--json"])).stdout;

  for (
    const args of [
      ["--no-sync", "folder", "add"],
      ["--no-sync", "folder", "join", "offer"],
      ["--no-sync", "folder", "move", "music"],
    ]
  ) {
    const r = await withBadName(h, args);
    const what = `${args.join(" ")}: exit ${r.code}\n${r.stdout}${r.stderr}`;
    assert.equal(r.code, 2, what);
    assert.match(r.stderr, /^error: Cannot \w+ folder: its path is not valid UTF-8/, what);
    assert.equal(r.stdout, "", what);
    assert.deepEqual(await names(h.dir), before, `nothing made: ${what}`);
  }
  assert.equal((await h.ok(["folder", "list", "--json"])).stdout, listed);
});
