/**
 * @module keys_secret_service_cli_test
 * mycel with a real Secret Service (gnome-keyring on a private session bus,
 * tests/storage/_secret_service.ts), through real processes:
 * - init stores the keys there and says so; keys.cbor then holds no private
 *   key, only the item's reference;
 * - a second command finds them (pref set, status, doctor, keys where);
 * - the real secret-tool (wrapped to log its argv and environment) never got
 *   the key material in argv, nor MYCEL_PASSPHRASE in its environment;
 * - later without the bus, or with a keyring lacking the item, commands fail
 *   with a named error and a hint; `keys export` + `keys import --keys file`
 *   moves them off the keyring.
 * Skipped, with the reason printed, when the tools are not installed.
 */

import assert from "node:assert/strict";
import { homePaths } from "../../src/storage/home.ts";
import { keysFromText } from "../../src/storage/key_codec.ts";
import { secretAttributes } from "../../src/storage/key_secret_service.ts";
import { readKeyFile } from "../../src/storage/key_store.ts";
import { describe, type StatusJson, tempHome } from "../helpers/mycel.ts";
import { which } from "../helpers/process.ts";
import { assertNoSecret } from "../storage/_key_fakes.ts";
import { secretServiceSkip, startSecretService } from "../storage/_secret_service.ts";

const SKIP = secretServiceSkip();
if (SKIP) console.log(`Secret Service CLI tests skipped: ${SKIP}`);

/** A `secret-tool` first on PATH that logs argv and environment, then runs the real one. */
async function loggingSecretTool(dir: string): Promise<{ path: string; log: string }> {
  const real = which("secret-tool")!;
  const log = `${dir}/secret-tool.log`;
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/bin/secret-tool`,
    `#!/bin/sh\n{ echo "ARGV $*"; env | sed 's/^/ENV /'; } >> '${log}'\nexec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  return { path: `${dir}/bin:${Deno.env.get("PATH")}`, log };
}

Deno.test({
  name:
    "with a Secret Service: init keeps the keys there, keys.cbor holds none, later commands find them",
  ignore: SKIP !== undefined,
  async fn() {
    await using ss = await startSecretService();
    await using h = await tempHome("mycel-ss-");
    const tool = await loggingSecretTool(h.dir);
    const env = {
      MYCEL_OFFLINE: "1",
      DBUS_SESSION_BUS_ADDRESS: ss.address,
      PATH: tool.path,
      MYCEL_PASSPHRASE: "must-not-reach-children",
    };
    const init = await h.ok(["init", "--name", "desk"], { env });
    assert.match(init.stdout, /^keys {4}Secret Service \(gnome-keyring\)$/m);
    assert.doesNotMatch(init.stderr, /keys:/, "no fallback note");

    const stub = await readKeyFile(homePaths(h.home).keys);
    assert.equal(stub.form, "stub");
    if (stub.form !== "stub") return;
    const item = await ss.secretTool(["lookup", ...secretAttributes(stub)]);
    assert.equal(item.code, 0);
    const keys = keysFromText(item.stdout, "item");
    assertNoSecret("keys.cbor", await Deno.readFile(`${h.home}/keys.cbor`), keys);

    const set = await h.ok(["pref", "set", "theme", "dark"], { env });
    assert.equal(set.stdout, "theme = dark\n");
    const st = await h.json<StatusJson>(["status", "--json"], { env });
    assert.equal(st.keys?.description, "Secret Service (gnome-keyring)");
    const doctor = await h.run(["doctor"], { env });
    assert.match(doctor.stdout, /^ ok {3}keys {8}Secret Service \(gnome-keyring\)$/m);
    assert.match((await h.ok(["keys", "where"], { env })).stdout, /no secret: names the item/);

    const log = await Deno.readTextFile(tool.log);
    assert.match(log, /^ARGV store --label=mycel device keys /m);
    assert.match(log, /^ARGV lookup application mycel device /m);
    assertNoSecret("secret-tool argv and environment", log, keys, "must-not-reach-children");
    assert.doesNotMatch(log, /^ENV MYCEL_/m, "no MYCEL_* variable reaches secret-tool");
    for (const r of [init, set, doctor]) assertNoSecret("output", r.stdout + r.stderr, keys);
  },
});

Deno.test({
  name:
    "with the keys in a Secret Service: no bus later, or a keyring without them, is a named error with a hint",
  ignore: SKIP !== undefined,
  async fn() {
    await using h = await tempHome("mycel-ss-");
    const pw = await h.writeFile("pw", "move\n");
    await Deno.chmod(pw, 0o600);
    const out = h.path("k.mycelkeys");
    {
      await using ss = await startSecretService();
      const env = { MYCEL_OFFLINE: "1", DBUS_SESSION_BUS_ADDRESS: ss.address };
      await h.ok(["init"], { env });
      await h.ok(["keys", "export", out], { env: { ...env, MYCEL_PASSPHRASE_FILE: pw } });
    }
    const offline = { MYCEL_OFFLINE: "1", DBUS_SESSION_BUS_ADDRESS: undefined };
    const noBus = await h.run(["pref", "set", "a", "b"], { env: offline });
    assert.equal(noBus.code, 1, describe(["pref", "set"], noBus));
    assert.match(
      noBus.stderr,
      /^error: Cannot read device keys: the Secret Service is not reachable: no D-Bus session/m,
    );
    assert.match(
      noBus.stderr,
      /^hint: .*mycel keys export FILE.*mycel keys import FILE --keys file/m,
    );
    // status still works (it reads no secret) and says where the keys are.
    assert.match((await h.ok(["status"], { env: offline })).stdout, /^keys {4}Secret Service$/m);

    await using empty = await startSecretService();
    const lost = await h.run(["pref", "set", "a", "b"], {
      env: { MYCEL_OFFLINE: "1", DBUS_SESSION_BUS_ADDRESS: empty.address },
    });
    assert.equal(lost.code, 1);
    assert.match(
      lost.stderr,
      /Cannot read device keys: the Secret Service holds no keys for this home/,
    );
    assert.match(lost.stderr, /hint: .*mycel keys import FILE/);

    // Moving them off the keyring: import into a sealed file, no bus needed.
    const imp = await h.ok(["keys", "import", out, "--keys", "file"], {
      env: { ...offline, MYCEL_PASSPHRASE_FILE: pw },
    });
    assert.match(imp.stdout, /^keys {4}file .*keys\.cbor, sealed$/m);
    await h.ok(["pref", "set", "a", "b"], { env: { ...offline, MYCEL_PASSPHRASE_FILE: pw } });
  },
});
