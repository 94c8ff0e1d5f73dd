/**
 * @module home_test
 * Where the home is (`--home`, then MYCEL_HOME, then XDG_DATA_HOME/mycel,
 * then ~/.local/share/mycel), the paths inside it, and folder modes.
 */

import assert from "node:assert/strict";
import { ensureHomeDir, homePaths, resolveHome } from "../../src/storage/home.ts";
import { assertMycelError } from "../helpers/assert.ts";
import { modeOf, tempDir } from "./helpers.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("resolveHome() order: --home, MYCEL_HOME, XDG_DATA_HOME/mycel, HOME/.local/share/mycel", () => {
  const all = { MYCEL_HOME: "/m", XDG_DATA_HOME: "/x", HOME: "/h" };
  const cases: [string | undefined, Record<string, string>, string][] = [
    ["/flag", all, "/flag"],
    [undefined, all, "/m"],
    [undefined, { XDG_DATA_HOME: "/x", HOME: "/h" }, "/x/mycel"],
    [undefined, { HOME: "/h" }, "/h/.local/share/mycel"],
    ["", all, "/m"], // an empty flag counts as not given
    [undefined, { MYCEL_HOME: "", XDG_DATA_HOME: "/x", HOME: "/h" }, "/x/mycel"],
    [undefined, { MYCEL_HOME: "", XDG_DATA_HOME: "", HOME: "/h" }, "/h/.local/share/mycel"],
    ["relative/dir", all, "relative/dir"],
  ];
  for (const [flag, vars, want] of cases) {
    assert.equal(resolveHome(flag, env(vars)), want, JSON.stringify([flag, vars]));
  }
});

Deno.test("resolveHome() without MYCEL_HOME, XDG_DATA_HOME or HOME is no_home with a hint", () => {
  const empties: Record<string, string>[] = [{}, { HOME: "" }, { XDG_DATA_HOME: "" }];
  for (const vars of empties) {
    const e = assertMycelError(() => resolveHome(undefined, env(vars)), "no_home");
    assert.match(e.hint ?? "", /--home/);
  }
  assert.equal(resolveHome("/flag", env({})), "/flag");
});

Deno.test("homePaths() puts every file inside the home", () => {
  const p = homePaths("/data/mycel");
  assert.deepEqual(p, {
    root: "/data/mycel",
    db: "/data/mycel/mycel.db",
    keys: "/data/mycel/keys.cbor",
    legacy: {
      info: "/data/mycel/home.json",
      snapshot: "/data/mycel/state.cbor",
      logDir: "/data/mycel/log",
      forkDir: "/data/mycel/forks",
      lock: "/data/mycel/lock",
    },
  });
});

Deno.test("ensureHomeDir() creates the folder 0700 and tightens an existing one", async () => {
  await using dir = await tempDir();
  const p = homePaths(`${dir.path}/a/b/home`);
  await ensureHomeDir(p);
  assert.equal(await modeOf(p.root), 0o700);
  await Deno.chmod(p.root, 0o777);
  await ensureHomeDir(p);
  assert.equal(await modeOf(p.root), 0o700);
});
