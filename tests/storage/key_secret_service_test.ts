/**
 * @module key_secret_service_test
 * The Secret Service store (key_secret_service.ts):
 * - against a real gnome-keyring on a private bus (tests/storage/_secret_service.ts):
 *   store, read back, replace, clear; the probe answers; the provider is
 *   named; `saveDeviceKeys` with `auto` picks it and leaves only a stub on
 *   disk; a fresh keyring without the item is `keys_not_found`, a locked
 *   one `keyring_locked`;
 * - with a fake runner: the secret goes on stdin (never argv), the child
 *   environment is only PATH/HOME/bus variables (never MYCEL_PASSPHRASE),
 *   and no bus, no tool, a timeout or an error line are each named
 *   `keyring_unavailable` with a hint.
 */

import assert from "node:assert/strict";
import { deviceIdOf } from "../../src/log/identity.ts";
import { homePaths } from "../../src/storage/home.ts";
import { keyMaterialText, keysFromText } from "../../src/storage/key_codec.ts";
import { loadDeviceKeys, saveDeviceKeys } from "../../src/storage/key_home.ts";
import { systemKeyRunner } from "../../src/storage/key_runner.ts";
import {
  clearFromSecretService,
  lookupInSecretService,
  secretAttributes,
  secretServiceProblem,
  secretServiceProvider,
  storeInSecretService,
} from "../../src/storage/key_secret_service.ts";
import { readKeyFile } from "../../src/storage/key_store.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { testKeys } from "../log/helpers.ts";
import { assertNoSecret, FakeRunner } from "./_key_fakes.ts";
import { type SecretService, secretServiceSkip, startSecretService } from "./_secret_service.ts";
import { tempDir } from "./helpers.ts";
import { runProcess } from "../helpers/process.ts";

const [KEYS, OTHER] = await testKeys(2);
const STUB = {
  store: "secret-service" as const,
  device: deviceIdOf(KEYS),
  tag: "00112233aabbccdd",
};
const SKIP = secretServiceSkip();
if (SKIP) console.log(`real Secret Service tests skipped: ${SKIP}`);

function envOf(vars: Record<string, string>) {
  return (n: string) => vars[n];
}

async function withService(fn: (s: SecretService) => Promise<void>): Promise<void> {
  await using s = await startSecretService();
  await fn(s);
}

Deno.test({
  name: "Secret Service (gnome-keyring): store, read back, replace and clear one item per home",
  ignore: SKIP !== undefined,
  fn: () =>
    withService(async (s) => {
      const o = { runner: systemKeyRunner, env: envOf(s.env) };
      assert.equal(await secretServiceProblem(o), undefined, "the probe gets an answer");
      assert.equal(await secretServiceProvider(o), "gnome-keyring");
      await storeInSecretService(STUB, KEYS, "mycel test", o);
      assert.deepEqual(await lookupInSecretService(STUB, o), KEYS);
      // What the keyring holds is exactly the key material text, under mycel's attributes.
      const raw = await s.secretTool(["lookup", ...secretAttributes(STUB)]);
      assert.deepEqual(keysFromText(raw.stdout, "x"), KEYS);
      // A second home of the same device is another item.
      const other = { ...STUB, tag: "ffeeddccbbaa9988" };
      await assertRejectsMycel(() => lookupInSecretService(other, o), "keys_not_found");
      // Storing again replaces (one item, the new secret).
      await storeInSecretService(STUB, OTHER, "mycel test", o);
      assert.deepEqual(await lookupInSecretService(STUB, o), OTHER);
      const search = await s.secretTool(["search", "--all", "application", "mycel"]);
      assert.equal(search.stdout.match(/^\[/gm)?.length, 1, search.stdout);
      assert.ok(await clearFromSecretService(STUB, o));
      const e = await assertRejectsMycel(() => lookupInSecretService(STUB, o), "keys_not_found");
      assert.match(e.hint ?? "", /mycel keys import/);
    }),
});

Deno.test({
  name: "Secret Service (gnome-keyring): a locked keyring is named as locked, not as keys deleted",
  ignore: SKIP !== undefined,
  fn: () =>
    withService(async (s) => {
      const o = { runner: systemKeyRunner, env: envOf(s.env) };
      await storeInSecretService(STUB, KEYS, "mycel test", o);
      const lock = await runProcess("dbus-send", [
        "--session",
        "--print-reply",
        "--dest=org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service.Lock",
        "array:objpath:/org/freedesktop/secrets/collection/login",
      ], { env: s.env, clearEnv: true, timeoutMs: 10_000 });
      assert.equal(lock.code, 0, lock.stderr);
      const e = await assertRejectsMycel(
        () => lookupInSecretService(STUB, o),
        "keyring_locked", // before: keys_not_found, "the item was deleted"
      );
      assert.match(e.message, /the keyring holding this device's keys is locked/);
      assert.match(e.hint ?? "", /^Unlock it/);
      // An item that really is not there is still keys_not_found.
      await assertRejectsMycel(
        () => lookupInSecretService({ ...STUB, tag: "ffeeddccbbaa9988" }, o),
        "keys_not_found",
      );
    }),
});

Deno.test({
  name:
    "saveDeviceKeys auto on Linux with a Secret Service: keys in the keyring, only a stub on disk",
  ignore: SKIP !== undefined,
  fn: () =>
    withService(async (s) => {
      await using dir = await tempDir();
      const paths = homePaths(dir.path);
      const env = envOf({ ...s.env, MYCEL_PASSPHRASE: "unused" });
      const saved = await saveDeviceKeys(paths, KEYS, env, { os: "linux", prompt: null });
      assert.equal(saved.store, "secret-service");
      assert.equal(saved.provider, "gnome-keyring");
      assert.equal(saved.fallback, undefined);
      const file = await readKeyFile(paths.keys);
      assert.equal(file.form, "stub");
      assertNoSecret("keys.cbor", await Deno.readFile(paths.keys), KEYS, "unused");
      // A later process (fresh stamp) finds them by the stub's attributes.
      await Deno.utime(paths.keys, new Date(2001, 1, 1), new Date(2001, 1, 1));
      assert.deepEqual(await loadDeviceKeys(paths, env, { device: deviceIdOf(KEYS) }), KEYS);
    }),
});

Deno.test("secret-tool calls: the secret on stdin, never argv; only bus variables in the environment", async () => {
  const runner = new FakeRunner((c) =>
    c.args[0] === "lookup" ? { stdout: keyMaterialText(KEYS) } : {}
  );
  const env = envOf({
    PATH: "/usr/bin",
    HOME: "/home/u",
    DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1000/bus",
    XDG_RUNTIME_DIR: "/run/user/1000",
    MYCEL_PASSPHRASE: "never-pass-this",
    MYCEL_PASSPHRASE_FILE: "/home/u/pw",
    DISPLAY: ":0",
  });
  await storeInSecretService(STUB, KEYS, "mycel device keys", { runner, env });
  const [store, readBack] = runner.calls;
  assert.equal(store.cmd, "secret-tool");
  assert.deepEqual(store.args, ["store", "--label=mycel device keys", ...secretAttributes(STUB)]);
  assert.equal(store.stdin, keyMaterialText(KEYS));
  assert.deepEqual(readBack.args, ["lookup", ...secretAttributes(STUB)]);
  for (const c of runner.calls) {
    assertNoSecret("argv", c.args.join(" "), KEYS);
    assert.deepEqual(Object.keys(c.env).sort(), [
      "DBUS_SESSION_BUS_ADDRESS",
      "HOME",
      "PATH",
      "XDG_RUNTIME_DIR",
    ]);
  }
});

Deno.test("secret-tool failures are named: no bus, no tool, no answer, an error line", async () => {
  const noBus = new FakeRunner();
  const e = await assertRejectsMycel(
    () => lookupInSecretService(STUB, { runner: noBus, env: envOf({}) }),
    "keyring_unavailable",
  );
  assert.match(e.message, /DBUS_SESSION_BUS_ADDRESS is not set/);
  assert.match(e.hint ?? "", /mycel keys export/);
  assert.equal(noBus.calls.length, 0, "without a bus nothing is run");
  const bus = envOf({ DBUS_SESSION_BUS_ADDRESS: "unix:path=/x" });
  const cases: [
    Partial<{ code: number; missing: boolean; timedOut: boolean; stderr: string }>,
    RegExp,
  ][] = [
    [{ code: 127, missing: true }, /secret-tool is not installed/],
    [{ code: -1, timedOut: true }, /did not answer within 20 s/],
    [
      { code: 1, stderr: "secret-tool: Cannot autolaunch D-Bus without X11 $DISPLAY\n" },
      /autolaunch/,
    ],
  ];
  for (const [answer, message] of cases) {
    const runner = new FakeRunner(() => answer);
    const err = await assertRejectsMycel(
      () => lookupInSecretService(STUB, { runner, env: bus }),
      "keyring_unavailable",
    );
    assert.match(err.message, message);
    assert.equal(
      await secretServiceProblem({ runner, env: bus }) === undefined,
      false,
      "the probe sees the same problem",
    );
  }
  // Exit 1 with nothing on stderr is secret-tool's "no such item": the service answered.
  const empty = new FakeRunner(() => ({ code: 1 }));
  assert.equal(await secretServiceProblem({ runner: empty, env: bus }), undefined);
  await assertRejectsMycel(
    () => lookupInSecretService(STUB, { runner: empty, env: bus }),
    "keys_not_found",
  );
});

Deno.test("saveDeviceKeys: --keys secret-service without a bus is keyring_unavailable; auto falls back with a reason", async () => {
  await using dir = await tempDir();
  const paths = homePaths(dir.path);
  const runner = new FakeRunner();
  await assertRejectsMycel(
    () => saveDeviceKeys(paths, KEYS, envOf({}), { os: "linux", store: "secret-service", runner }),
    "keyring_unavailable",
  );
  const saved = await saveDeviceKeys(paths, KEYS, envOf({}), { os: "linux", runner, prompt: null });
  assert.equal(saved.store, "file");
  assert.equal(saved.sealed, false);
  assert.match(saved.fallback ?? "", /^no OS keyring answered: no D-Bus session/);
  await assertRejectsMycel(
    () => saveDeviceKeys(paths, KEYS, envOf({}), { os: "linux", store: "keychain", runner }),
    "keyring_unavailable",
  );
});
