/**
 * @module key_home_test
 * The one entry point (key_home.ts) with the file store: `saveDeviceKeys`
 * seals with the passphrase from MYCEL_PASSPHRASE_FILE / MYCEL_PASSPHRASE or
 * the prompt (asked twice, empty = none), says why no keyring was used;
 * `loadDeviceKeys` opens it (prompting when allowed), refuses keys of
 * another device, and keeps loaded keys only while the key file is
 * unchanged; `locateDeviceKeys`/`describeKeyLocation` say where, in the
 * words status and doctor print. `Store.keys()` goes through it.
 */

import assert from "node:assert/strict";
import { deviceIdOf } from "../../src/log/identity.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { homePaths } from "../../src/storage/home.ts";
import {
  describeKeyLocation,
  type KeyLocation,
  loadDeviceKeys,
  locateDeviceKeys,
  saveDeviceKeys,
} from "../../src/storage/key_home.ts";
import { readKeyFile, writeKeys } from "../../src/storage/key_store.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { testKeys } from "../log/helpers.ts";
import { assertNoSecret, FakeRunner } from "./_key_fakes.ts";
import { makeHome, tempDir } from "./helpers.ts";

const [KEYS, OTHER] = await testKeys(2);
const NO_BUS = new FakeRunner(); // any keyring tool call would be recorded here

function envOf(vars: Record<string, string>) {
  return (n: string) => vars[n];
}

function prompts(answers: string[]) {
  const asked: string[] = [];
  return {
    asked,
    prompt: (q: string) => {
      asked.push(q);
      return Promise.resolve(answers.shift());
    },
  };
}

Deno.test("file store: MYCEL_PASSPHRASE_FILE seals at save and opens at load; nothing asked", async () => {
  await using dir = await tempDir();
  const paths = homePaths(dir.path);
  await Deno.writeTextFile(`${dir.path}/pw`, "file pass\n", { mode: 0o600 });
  const env = envOf({ MYCEL_PASSPHRASE_FILE: `${dir.path}/pw` });
  const p = prompts([]);
  const saved = await saveDeviceKeys(paths, KEYS, env, {
    os: "linux",
    runner: NO_BUS,
    prompt: p.prompt,
  });
  assert.deepEqual([saved.store, saved.sealed], ["file", true]);
  assert.match(saved.fallback ?? "", /no OS keyring answered/);
  assert.equal((await readKeyFile(paths.keys)).form, "sealed");
  assertNoSecret("keys.cbor", await Deno.readFile(paths.keys), KEYS, "file pass");
  await Deno.utime(paths.keys, new Date(2001, 1, 1), new Date(2001, 1, 1)); // as another process
  assert.deepEqual(await loadDeviceKeys(paths, env, { prompt: p.prompt }), KEYS);
  assert.deepEqual(p.asked, []);
  assert.equal(NO_BUS.calls.length, 0, "no bus: no keyring tool was even started");
});

Deno.test("file store: on a terminal the passphrase is asked twice at save and once at load", async () => {
  await using dir = await tempDir();
  const paths = homePaths(dir.path);
  const save = prompts(["typed pass", "typed pass"]);
  const saved = await saveDeviceKeys(paths, KEYS, envOf({}), {
    os: "linux",
    runner: NO_BUS,
    prompt: save.prompt,
  });
  assert.equal(saved.sealed, true);
  assert.equal(save.asked.length, 2);
  await Deno.utime(paths.keys, new Date(2001, 1, 1), new Date(2001, 1, 1));
  const load = prompts(["wrong", "typed pass"]);
  assert.deepEqual(await loadDeviceKeys(paths, envOf({}), { prompt: load.prompt }), KEYS);
  assert.equal(load.asked.length, 2, "one wrong answer, then the right one");
  assert.match(load.asked[0], new RegExp(`Passphrase for mycel's device keys \\(${dir.path}\\)`));
  // An empty first answer at save means no passphrase: the file is NOT sealed.
  const plain = await saveDeviceKeys(paths, KEYS, envOf({}), {
    os: "linux",
    runner: NO_BUS,
    prompt: prompts([""]).prompt,
  });
  assert.equal(plain.sealed, false);
});

Deno.test("file store: sealed keys with no passphrase and no terminal are passphrase_needed, with the hint", async () => {
  await using dir = await tempDir();
  const paths = homePaths(dir.path);
  await writeKeys(paths.keys, KEYS, "pw");
  const e = await assertRejectsMycel(
    () => loadDeviceKeys(paths, envOf({}), { prompt: null }),
    "passphrase_needed",
  );
  assert.match(e.hint ?? "", /MYCEL_PASSPHRASE_FILE/);
  const wrong = await assertRejectsMycel(
    () => loadDeviceKeys(paths, envOf({ MYCEL_PASSPHRASE: "nope" }), { prompt: null }),
    "bad_passphrase",
  );
  assertNoSecret("error", `${wrong.message}${wrong.hint}`, KEYS, "nope");
});

Deno.test("loadDeviceKeys: keys of another device are refused; a replaced key file is read again", async () => {
  await using dir = await tempDir();
  const paths = homePaths(dir.path);
  await writeKeys(paths.keys, KEYS);
  assert.deepEqual(await loadDeviceKeys(paths, envOf({}), { device: deviceIdOf(KEYS) }), KEYS);
  await writeKeys(paths.keys, OTHER);
  await Deno.utime(paths.keys, new Date(2002, 1, 1), new Date(2002, 1, 1));
  await assertRejectsMycel(
    () => loadDeviceKeys(paths, envOf({}), { device: deviceIdOf(KEYS) }),
    "wrong_device",
  );
  assert.deepEqual(await loadDeviceKeys(paths, envOf({})), OTHER);
});

Deno.test("Home.keys() reads through loadDeviceKeys: a sealed home opens with MYCEL_PASSPHRASE", async () => {
  await using home = await makeHome();
  await writeKeys(home.paths.keys, home.keys, "store pass");
  const without = await Home.open(home.root, { env: () => undefined });
  try {
    await assertRejectsMycel(() => without.keys(), "passphrase_needed");
  } finally {
    without.close();
  }
  const sealed = await Home.open(home.root, { env: envOf({ MYCEL_PASSPHRASE: "store pass" }) });
  try {
    assert.deepEqual(await sealed.keys(), home.keys);
  } finally {
    sealed.close();
  }
});

Deno.test("describeKeyLocation: the words status and doctor print", async () => {
  const base: KeyLocation = {
    store: "file",
    path: "/home/u/.local/share/mycel/keys.cbor",
    sealed: false,
    provider: null,
    credential: null,
    fromCredential: false,
  };
  const env = envOf({ HOME: "/home/u" });
  assert.equal(describeKeyLocation(base, env), "file ~/.local/share/mycel/keys.cbor, NOT sealed");
  assert.equal(
    describeKeyLocation({ ...base, sealed: true }),
    "file /home/u/.local/share/mycel/keys.cbor, sealed",
  );
  const ss = { ...base, store: "secret-service" as const, sealed: null };
  assert.equal(
    describeKeyLocation({ ...ss, provider: "gnome-keyring" }),
    "Secret Service (gnome-keyring)",
  );
  assert.equal(describeKeyLocation(ss), "Secret Service");
  assert.equal(describeKeyLocation({ ...ss, store: "keychain" }), "macOS Keychain");
  assert.equal(
    describeKeyLocation({ ...base, sealed: true, fromCredential: true }, env),
    "systemd credential (the home's own: file ~/.local/share/mycel/keys.cbor, sealed)",
  );
  await using dir = await tempDir();
  const paths = homePaths(dir.path);
  await writeKeys(paths.keys, KEYS);
  await Deno.writeTextFile(`${dir.path}/mycel-keys.cred`, "x");
  const loc = await locateDeviceKeys(paths, envOf({}));
  assert.deepEqual(loc, { ...base, path: paths.keys, credential: `${dir.path}/mycel-keys.cred` });
});
