/**
 * @module keys_prompt_test
 * The passphrase prompt on a real terminal (tmux, tests/cli/_tmux.ts), with
 * no MYCEL_PASSPHRASE(_FILE) and no keyring:
 * - `init` asks for a passphrase twice and seals the keys with it; what is
 *   typed never appears on the screen;
 * - a later command asks once, says so on a wrong answer and asks again,
 *   then works; Ctrl-C at the prompt stops it as Ctrl-C does elsewhere (130);
 * - the same command without a terminal fails at once (no prompt, no hang).
 * Skipped, with the reason printed, when tmux is not installed.
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { homePaths } from "../../src/storage/home.ts";
import { loadDeviceKeys } from "../../src/storage/key_home.ts";
import { readKeyFile } from "../../src/storage/key_store.ts";
import { MAIN_TS, tempHome } from "../helpers/mycel.ts";
import { assertNoSecret } from "../storage/_key_fakes.ts";
import { Terminal, tmuxSkip } from "./_tmux.ts";

const SKIP = tmuxSkip();
if (SKIP) console.log(`passphrase prompt tests skipped: ${SKIP}`);

const SECRET = "tty-typed-pass";

Deno.test({
  name:
    "on a terminal: init asks for a passphrase twice and seals; later commands ask; nothing echoed",
  ignore: SKIP !== undefined,
  async fn() {
    await using h = await tempHome("mycel-tty-");
    const env = {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: h.dir,
      MYCEL_HOME: h.home,
      MYCEL_OFFLINE: "1",
      NO_COLOR: "1",
    };
    const run = (...args: string[]) =>
      Terminal.start([Deno.execPath(), ...denoRunArgs(MAIN_TS), ...args], env);
    {
      await using t = await run("init", "--name", "tty");
      await t.waitFor(/Passphrase to seal this device's keys \(empty: none\):$/);
      await t.type(SECRET);
      await t.press("Enter");
      await t.waitFor(/Same passphrase again:$/);
      await t.type(SECRET);
      await t.press("Enter");
      const screen = await t.waitFor(/EXIT=\d+/);
      assert.match(screen, /EXIT=0/, screen);
      assert.match(screen, /^keys {4}file .*keys\.cbor, sealed$/m, screen);
      assert.ok(!screen.includes(SECRET), `the passphrase was echoed:\n${screen}`);
    }
    assert.equal((await readKeyFile(`${h.home}/keys.cbor`)).form, "sealed");
    const keys = await loadDeviceKeys(
      homePaths(h.home),
      (n) => (n === "MYCEL_PASSPHRASE" ? SECRET : undefined),
      {
        prompt: null,
      },
    );
    {
      await using t = await run("pref", "set", "theme", "dark");
      await t.waitFor(/Passphrase for mycel's device keys \(.*\):$/);
      await t.type("not the one");
      await t.press("Enter");
      await t.waitFor(/Wrong passphrase; try again\.\n.*Passphrase for mycel's device keys/);
      await t.type(SECRET);
      await t.press("Enter");
      const screen = await t.waitFor(/EXIT=\d+/);
      assert.match(screen, /^theme = dark$/m, screen);
      assert.match(screen, /EXIT=0/, screen);
      assert.ok(!screen.includes(SECRET) && !screen.includes("not the one"), screen);
      assertNoSecret("screen", screen, keys);
    }
    {
      await using t = await run("pref", "set", "theme", "light");
      await t.waitFor(/Passphrase for mycel's device keys/);
      await t.type("half");
      await t.press("C-c");
      const screen = await t.waitFor(/EXIT=\d+/);
      // Said and ended as Ctrl-C is everywhere else.
      assert.match(screen, /Cannot read the passphrase: it was interrupted/, screen);
      assert.match(screen, /EXIT=130/, screen);
    }
    // Without a terminal: no prompt, an immediate named error.
    const piped = await h.run(["pref", "set", "theme", "light"], { env: { MYCEL_OFFLINE: "1" } });
    assert.equal(piped.code, 1);
    assert.match(piped.stderr, /they are protected by a passphrase/);
    assert.ok(piped.ms < 20_000);
  },
});
