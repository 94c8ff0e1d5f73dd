/**
 * @module key_keychain_test
 * The macOS Keychain store (key_keychain.ts) without macOS: the exact
 * commands given to `/usr/bin/security` through a fake runner. The secret
 * goes only into the `security -i` line on stdin — split here the way the
 * tool splits it, it yields exactly the intended words, whatever the label —
 * never into argv; the child environment holds no MYCEL_* variable; exit 44
 * (item not found) and other failures are named errors without the secret.
 * Also `saveDeviceKeys`/`loadDeviceKeys` on "darwin" through the same fake:
 * auto picks the Keychain, the key file becomes a stub.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { deviceIdOf } from "../../src/log/identity.ts";
import { homePaths } from "../../src/storage/home.ts";
import { keyMaterialText } from "../../src/storage/key_codec.ts";
import { loadDeviceKeys, locateDeviceKeys, saveDeviceKeys } from "../../src/storage/key_home.ts";
import {
  keychainAccount,
  lookupInKeychain,
  quoteSecurityWord,
  renderKeychainLookup,
  renderKeychainStore,
  SECURITY,
  storeInKeychain,
} from "../../src/storage/key_keychain.ts";
import { readKeyFile } from "../../src/storage/key_store.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { testKeys } from "../log/helpers.ts";
import { assertNoSecret, FakeRunner, type RecordedCall, splitSecurityLine } from "./_key_fakes.ts";
import { tempDir } from "./helpers.ts";

const [KEYS] = await testKeys(1);
const STUB = { store: "keychain" as const, device: deviceIdOf(KEYS), tag: "0123456789abcdef" };
const ENV: Record<string, string> = {
  PATH: "/usr/bin:/bin",
  HOME: "/Users/me",
  USER: "me",
  MYCEL_PASSPHRASE: "never-pass-this",
  MYCEL_HOME: "/Users/me/.mycel",
  SSH_AUTH_SOCK: "/tmp/agent",
};
const env = (n: string) => ENV[n];

/** A fake `security` holding items in memory, as the real one would. */
function fakeSecurity() {
  const items = new Map<string, string>();
  const runner = new FakeRunner((c: RecordedCall) => {
    if (c.args[0] === "-i") {
      const words = splitSecurityLine(c.stdin!.replace(/\n$/, ""));
      if (words[0] !== "add-generic-password") return { stderr: "unknown\n" };
      const at = (flag: string) => words[words.indexOf(flag) + 1];
      items.set(`${at("-s")}/${at("-a")}`, at("-w"));
      return {};
    }
    if (c.args[0] === "find-generic-password") {
      const at = (flag: string) => c.args[c.args.indexOf(flag) + 1];
      const v = items.get(`${at("-s")}/${at("-a")}`);
      return v === undefined
        ? { code: 44, stderr: "security: SecKeychainSearchCopyNext: not found\n" }
        : { stdout: `${v}\n` };
    }
    if (c.args[0] === "default-keychain") return { stdout: '    "/Users/me/login.keychain-db"\n' };
    return { code: 1, stderr: "unexpected\n" };
  });
  return { items, runner };
}

Deno.test("keychain store: the secret goes to `security -i` on stdin, split into the intended words", async () => {
  const { items, runner } = fakeSecurity();
  await storeInKeychain(STUB, KEYS, 'mycel device keys (/Users/me/it\'s "here")', { runner, env });
  const [add, check] = runner.calls;
  assert.equal(add.cmd, SECURITY);
  assert.deepEqual(add.args, ["-i"], "argv is only -i");
  assert.deepEqual(splitSecurityLine(add.stdin!.replace(/\n$/, "")), [
    "add-generic-password",
    "-U",
    "-a",
    keychainAccount(STUB),
    "-s",
    "mycel",
    "-l",
    'mycel device keys (/Users/me/it\'s "here")',
    "-w",
    keyMaterialText(KEYS),
  ]);
  assert.ok(add.stdin!.endsWith("\n") && !add.stdin!.slice(0, -1).includes("\n"), "one line");
  assert.deepEqual(check.args, renderKeychainLookup(STUB), "the store is read back");
  for (const c of runner.calls) {
    assertNoSecret(`argv of ${c.args[0]}`, c.args.join(" "), KEYS);
    assert.deepEqual(Object.keys(c.env).sort(), ["HOME", "PATH", "USER"], "scrubbed environment");
    assert.ok(c.timeoutMs > 0 && c.timeoutMs <= 30_000);
  }
  assert.equal(items.size, 1);
});

Deno.test("keychain lookup: the argv names the item; exit 44 is keys_not_found, others keyring_unavailable", async () => {
  assert.deepEqual(renderKeychainLookup(STUB), [
    "find-generic-password",
    "-a",
    `${STUB.device}@${STUB.tag}`,
    "-s",
    "mycel",
    "-w",
  ]);
  const missing = new FakeRunner(() => ({ code: 44, stderr: "security: not found\n" }));
  const e = await assertRejectsMycel(
    () => lookupInKeychain(STUB, { runner: missing, env }),
    "keys_not_found",
  );
  assert.match(e.hint ?? "", /mycel keys import/);
  const locked = new FakeRunner(() => ({ code: 36, stderr: "User interaction is not allowed.\n" }));
  const u = await assertRejectsMycel(
    () => lookupInKeychain(STUB, { runner: locked, env }),
    "keyring_unavailable",
  );
  assert.match(u.message, /User interaction is not allowed/);
  assert.match(u.hint ?? "", /security unlock-keychain/);
  const hung = new FakeRunner(() => ({ code: -1, timedOut: true }));
  await assertRejectsMycel(
    () => lookupInKeychain(STUB, { runner: hung, env }),
    "keyring_unavailable",
  );
  const gone = new FakeRunner(() => ({ code: 127, missing: true }));
  await assertRejectsMycel(
    () => lookupInKeychain(STUB, { runner: gone, env }),
    "keyring_unavailable",
  );
});

Deno.test("keychain store: a command `security -i` reports as failed is keyring_unavailable without the secret", async () => {
  const runner = new FakeRunner(() => ({ stderr: "add-generic-password: returned 45\n" }));
  const e = await assertRejectsMycel(
    () => storeInKeychain(STUB, KEYS, "label", { runner, env }),
    "keyring_unavailable",
  );
  assertNoSecret("error", e.message, KEYS);
});

Deno.test("security -i quoting: any printable label comes back as the same word", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (s) => {
      // deno-lint-ignore no-control-regex
      const label = s.replace(/[\x00-\x1f\x7f]/g, "");
      const line = ["add-generic-password", "-l", label].map((w, i) => i ? quoteSecurityWord(w) : w)
        .join(" ");
      assert.deepEqual(splitSecurityLine(line), ["add-generic-password", "-l", label]);
    }),
    { seed: 5, numRuns: 2000 },
  );
  assert.throws(() => quoteSecurityWord("a\nb"), /control character/);
  assert.throws(() => renderKeychainStore(STUB, KEYS, "x".repeat(5000)), /too long/);
});

Deno.test("on macOS, auto keeps the keys in the Keychain: the key file is a stub and loads through security", async () => {
  await using dir = await tempDir();
  const paths = homePaths(dir.path);
  const { items, runner } = fakeSecurity();
  const saved = await saveDeviceKeys(paths, KEYS, env, { runner, os: "darwin", prompt: null });
  assert.equal(saved.store, "keychain");
  assert.equal(saved.fallback, undefined);
  assert.equal(items.size, 1);
  const file = await readKeyFile(paths.keys);
  assert.equal(file.form, "stub");
  assertNoSecret("key file", await Deno.readFile(paths.keys), KEYS);
  assert.equal((await locateDeviceKeys(paths, env)).store, "keychain");
  // Loaded once per process while the key file is unchanged; asked again after it changed.
  const before = runner.calls.length;
  assert.deepEqual(await loadDeviceKeys(paths, env, { runner, device: STUB.device }), KEYS);
  assert.equal(runner.calls.length, before, "kept from the save: security not asked");
  await Deno.utime(paths.keys, new Date(2001, 1, 1), new Date(2001, 1, 1));
  assert.deepEqual(await loadDeviceKeys(paths, env, { runner, device: STUB.device }), KEYS);
  assert.equal(runner.calls.length, before + 1);
  assert.equal(runner.calls.at(-1)!.args[0], "find-generic-password");
  items.clear();
  const fresh = homePaths(`${dir.path}/copy`);
  await Deno.mkdir(fresh.root);
  await Deno.copyFile(paths.keys, fresh.keys);
  await assertRejectsMycel(() => loadDeviceKeys(fresh, env, { runner }), "keys_not_found");
});
