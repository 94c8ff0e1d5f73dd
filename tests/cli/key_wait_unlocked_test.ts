/**
 * @module key_wait_unlocked_test
 * A command that commits a change reads the device's keys before its write
 * transaction begins, never while holding the home: a real `mycel pref set`
 * (and `app add`) whose keys are in a Secret Service whose `secret-tool`
 * answers only after a while (a stand-in first on PATH that sleeps, as one
 * waiting for the user to unlock the keyring), while this process asks for
 * the home's write lock as a `sync serve` or a timer's round of the same
 * home would (`BEGIN IMMEDIATE`, not waiting): it is never found held
 * during the wait, and the change is then made. The same for keys sealed
 * by a passphrase, asked for on a terminal (tmux, tests/cli/_tmux.ts;
 * skipped with the reason printed without it) that nobody answers for a
 * while. Before, the keys were read by the commit inside the transaction,
 * and every other process of the home waited for the keyring or the user
 * with it.
 */

import assert from "node:assert/strict";
import { homePaths } from "../../src/storage/home.ts";
import { keyMaterialText } from "../../src/storage/key_codec.ts";
import { loadDeviceKeys } from "../../src/storage/key_load.ts";
import { writeKeyStub } from "../../src/storage/key_store.ts";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { describe, MAIN_TS, type StatusJson, tempHome } from "../helpers/mycel.ts";
import { pidFromFile, sleep } from "../helpers/process.ts";
import { Terminal, tmuxSkip } from "./_tmux.ts";
import { writeLockHeld } from "../helpers/db_lock.ts";

const SKIP = tmuxSkip();
if (SKIP) console.log(`passphrase prompt case skipped: ${SKIP}`);

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("a command committing a change waits for a slow keyring before its write transaction, not holding the home", async () => {
  await using h = await tempHome("mycel-key-wait-");
  const offline = { MYCEL_OFFLINE: "1" };
  await h.ok(["init", "--name", "desk", "--keys", "file"], { env: offline });
  const paths = homePaths(h.home);
  const before = await h.json<StatusJson>(["status", "--json"], { env: offline });
  // The keys now live in a Secret Service whose tool gives them after a
  // wait: the key file names the item, the tool prints the material.
  const keys = await loadDeviceKeys(paths, () => undefined);
  const material = await h.writeFile("material", keyMaterialText(keys) + "\n");
  await Deno.chmod(material, 0o600);
  await writeKeyStub(paths.keys, {
    store: "secret-service",
    device: before.device.id,
    tag: "0123456789abcdef",
  });
  const pidFile = h.path("tool.pid"), doneFile = h.path("tool.done");
  await Deno.mkdir(h.path("bin"));
  await Deno.writeTextFile(
    h.path("bin/secret-tool"),
    `#!/bin/sh\n[ "$1" = lookup ] || exit 1\necho $$ > '${pidFile}'\nsleep 2\n` +
      `: > '${doneFile}'\ncat '${material}'\n`,
    { mode: 0o755 },
  );
  await Deno.mkdir(h.path("run"), { mode: 0o700 });
  const env = {
    ...offline,
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${h.path("no-bus")}`,
    XDG_RUNTIME_DIR: h.path("run"),
    PATH: `${h.path("bin")}:${Deno.env.get("PATH")}`,
  };
  for (const args of [["pref", "set", "theme", "dark"], ["app", "add", "notes"]]) {
    await Deno.remove(pidFile).catch(() => {});
    await Deno.remove(doneFile).catch(() => {});
    await using p = h.spawn(args, { env, timeoutMs: 60_000 });
    await pidFromFile(pidFile, p, "secret-tool never ran");
    // While the tool waits: a hold counts only when the tool had not
    // answered yet once the probe was done (after, the change is written).
    let probes = 0, held = 0;
    while (!(await exists(doneFile))) {
      const lock = writeLockHeld(paths.db);
      if (await exists(doneFile)) break;
      probes++;
      if (lock) held++;
      await sleep(20);
    }
    const r = await p.result();
    assert.equal(r.code, 0, describe(args, r));
    assert.ok(probes >= 20, `only ${probes} probes during the keyring's 2 s wait`);
    assert.equal(
      held,
      0,
      `${
        args.join(" ")
      }: the home was write-locked at ${held} of ${probes} probes while the keyring was waited for`,
    );
  }
  const theme = await h.ok(["pref", "get", "theme"], { env: offline });
  assert.match(theme.stdout, /dark/);
  const apps = await h.ok(["app", "list"], { env: offline });
  assert.match(apps.stdout, /notes/);
});

Deno.test({
  name:
    "a command committing a change asks for the passphrase before its write transaction, not holding the home",
  ignore: SKIP !== undefined,
  async fn() {
    await using h = await tempHome("mycel-key-wait-tty-");
    const secret = "slow-typist";
    await h.ok(["init", "--name", "desk", "--keys", "file"], {
      env: { MYCEL_OFFLINE: "1", MYCEL_PASSPHRASE: secret },
    });
    const db = homePaths(h.home).db;
    const env = {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: h.dir,
      MYCEL_HOME: h.home,
      MYCEL_OFFLINE: "1",
      MYCEL_NO_PUSH: "1",
      NO_COLOR: "1",
    };
    await using t = await Terminal.start(
      [Deno.execPath(), ...denoRunArgs(MAIN_TS), "pref", "set", "theme", "dark"],
      env,
    );
    await t.waitFor(/Passphrase for mycel's device keys \(.*\):$/);
    // The user takes a while to answer.
    let probes = 0, held = 0;
    for (const end = performance.now() + 1500; performance.now() < end; probes++) {
      if (writeLockHeld(db)) held++;
      await sleep(20);
    }
    assert.equal(held, 0, `the home was write-locked at ${held} of ${probes} probes at the prompt`);
    await t.type(secret);
    await t.press("Enter");
    const screen = await t.waitFor(/EXIT=\d+/);
    assert.match(screen, /^theme = dark$/m, screen);
    assert.match(screen, /EXIT=0/, screen);
  },
});
