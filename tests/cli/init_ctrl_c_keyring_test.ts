/**
 * Ctrl-C after the keyring kept a new device's keys but before the home
 * was written (`mycel init --keys secret-service`, here while secret-tool
 * reads the stored item back): the set-up is undone, and the keyring item
 * it stored is taken away with it (src/storage/home_create.ts `unmake`,
 * key_save.ts `forgetStoredKeys`); another home's item stays. Before, the
 * home was removed and the item of a device that never existed stayed.
 * The Secret Service is a stand-in `secret-tool` first on PATH keeping
 * items as files named by their attributes.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";
import { pidFromFile } from "../helpers/process.ts";

const FAKE = (store: string, pidFile: string) =>
  `#!/bin/sh
cmd=$1; shift
[ "$cmd" = store ] && shift # --label=...
key=$(echo "$*" | tr ' /' '__')
case $cmd in
  store) cat > '${store}'/"$key" ;;
  clear) rm -f '${store}'/"$key" ;;
  lookup)
    [ -f '${store}'/"$key" ] || exit 1
    echo $$ > '${pidFile}'
    exec sleep 30 ;; # the read-back after a store: Ctrl-C lands here
esac
`;

Deno.test("Ctrl-C after the keyring stored a new device's keys takes the keyring item away with the home, and only that one", async () => {
  await using h = await tempHome("mycel-ctrlc-init-");
  const store = h.path("items");
  const pidFile = h.path("tool.pid");
  await Deno.mkdir(store);
  await Deno.mkdir(h.path("bin"));
  await Deno.writeTextFile(h.path("bin/secret-tool"), FAKE(store, pidFile), { mode: 0o755 });
  const other = "application_mycel_device_0000000000000000_home_00000000000000ff";
  await Deno.writeTextFile(`${store}/${other}`, "another home's keys\n");
  const env = {
    MYCEL_OFFLINE: "1",
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${h.path("no-bus")}`,
    PATH: `${h.path("bin")}:${Deno.env.get("PATH")}`,
  };
  const args = ["init", "--name", "desk", "--keys", "secret-service"];
  let toolPid: number | undefined;
  try {
    await using p = h.spawn(args, { env, timeoutMs: 30_000 });
    toolPid = await pidFromFile(pidFile, p, "secret-tool never read back");
    const stored = [...Deno.readDirSync(store)].map((e) => e.name).sort();
    assert.equal(stored.length, 2, `the keys were stored: ${stored}`);
    p.kill("SIGINT");
    const r = await p.result();
    assert.equal(r.code, 130, describe(args, r));
    assert.deepEqual(
      [...Deno.readDirSync(store)].map((e) => e.name),
      [other],
      "the new device's item is gone, the other home's stays",
    );
  } finally {
    if (toolPid !== undefined) {
      try {
        Deno.kill(toolPid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
});
