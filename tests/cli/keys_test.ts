/**
 * @module keys_cli_test
 * Where the keys are, through real mycel processes, with the file store (no
 * session bus in these runs, so no keyring answers):
 * - init says in one line that the keys went to a file and why; status,
 *   doctor and `keys where [--json]` say where ("file …, NOT sealed" /
 *   "sealed");
 * - MYCEL_PASSPHRASE_FILE seals at init and opens later; a group-readable
 *   one is refused by name; without it a sealed home is passphrase_needed;
 * - `keys export`/`keys import`: a round trip moves the identity into a
 *   copied home whose keys are missing; export refuses without a passphrase
 *   and over an existing file; import refuses another device, a wrong
 *   passphrase, garbage, different keys (without --force), a missing home;
 *   `import --keys file` seals an unsealed home;
 * - no passphrase or private key in any output.
 */

import assert from "node:assert/strict";
import { deviceIdOf, type DeviceKeys } from "../../src/log/identity.ts";
import { homePaths } from "../../src/storage/home.ts";
import { loadDeviceKeys } from "../../src/storage/key_home.ts";
import { encodeKeyExport } from "../../src/storage/key_transfer.ts";
import { readKeyFile } from "../../src/storage/key_store.ts";
import {
  describe,
  type MycelResult,
  type StatusJson,
  TempHome,
  tempHome,
} from "../helpers/mycel.ts";
import { assertNoSecret } from "../storage/_key_fakes.ts";

/** Runs without a session bus (so no OS keyring) and offline. */
const ENV = { MYCEL_OFFLINE: "1", DBUS_SESSION_BUS_ADDRESS: undefined };

async function home(): Promise<TempHome> {
  return await tempHome("mycel-keys-", { env: ENV });
}

async function passFile(h: TempHome, name: string, text: string, mode = 0o600): Promise<string> {
  const p = await h.writeFile(name, text);
  await Deno.chmod(p, mode);
  return p;
}

/** The home's keys, read in-process (the test's view, never printed). */
async function keysOf(h: TempHome, pass?: string): Promise<DeviceKeys> {
  const env = (n: string) => (n === "MYCEL_PASSPHRASE" ? pass : undefined);
  return await loadDeviceKeys(homePaths(h.home), env, { prompt: null });
}

function noSecrets(r: MycelResult, keys: DeviceKeys, pass?: string): void {
  assertNoSecret("stdout", r.stdout, keys, pass);
  assertNoSecret("stderr", r.stderr, keys, pass);
}

Deno.test("init without a keyring: the file is used and init says so in one line; status, doctor, keys where agree", async () => {
  await using h = await home();
  const init = await h.ok(["init", "--name", "box"]);
  const notes = init.stderr.split("\n").filter((l) => l.startsWith("keys: "));
  assert.deepEqual(notes, [
    `keys: file ${h.home}/keys.cbor, NOT sealed (no OS keyring answered: no D-Bus session; ` +
    "DBUS_SESSION_BUS_ADDRESS is not set)",
  ]);
  assert.match(init.stdout, new RegExp(`^keys    file ${h.home}/keys.cbor, NOT sealed$`, "m"));
  const status = await h.ok(["status"]);
  assert.match(status.stdout, new RegExp(`^keys    file ${h.home}/keys.cbor, NOT sealed$`, "m"));
  const st = await h.json<StatusJson>(["status", "--json"]);
  assert.equal(st.keys?.store, "file");
  assert.equal(st.keys?.sealed, false);
  const where = await h.json(["keys", "where", "--json"]);
  assert.deepEqual(where, {
    store: "file",
    sealed: false,
    provider: null,
    path: `${h.home}/keys.cbor`,
    description: `file ${h.home}/keys.cbor, NOT sealed`,
    credential: null,
    from_credential: false,
  });
  const doctor = await h.run(["doctor"]);
  assert.match(
    doctor.stdout,
    new RegExp(`^ ok   keys +file ${h.home}/keys.cbor, NOT sealed$`, "m"),
  );
  // An explicit --keys file is a choice, not a fallback: no note.
  await using other = await home();
  const chosen = await other.ok(["init", "--keys", "file"]);
  assert.doesNotMatch(chosen.stderr, /keys:/);
});

Deno.test("MYCEL_PASSPHRASE_FILE seals the keys at init and opens them later; others' readable file refused", async () => {
  await using h = await home();
  const pw = await passFile(h, "pw", "horse battery\n");
  const env = { MYCEL_PASSPHRASE_FILE: pw };
  const init = await h.ok(["init", "--name", "box"], { env });
  assert.match(init.stdout, /^keys {4}file .*keys\.cbor, sealed$/m);
  assert.match(init.stderr, /^keys: file .*, sealed \(no OS keyring answered/m);
  const keys = await keysOf(h, "horse battery");
  assert.equal((await readKeyFile(`${h.home}/keys.cbor`)).form, "sealed");
  assertNoSecret("keys.cbor", await Deno.readFile(`${h.home}/keys.cbor`), keys, "horse battery");
  const set = await h.ok(["pref", "set", "theme", "dark"], { env });
  noSecrets(set, keys, "horse battery");
  assert.match((await h.ok(["keys", "where"])).stdout, /^keys {4}file .*, sealed$/m);

  const none = await h.run(["pref", "set", "theme", "light"]);
  assert.equal(none.code, 1, describe(["pref", "set"], none));
  assert.match(none.stderr, /Cannot read device keys: they are protected by a passphrase/);
  assert.match(none.stderr, /hint: Set MYCEL_PASSPHRASE_FILE/);

  await Deno.chmod(pw, 0o640);
  const open = await h.run(["pref", "set", "theme", "light"], { env });
  assert.equal(open.code, 1);
  assert.match(open.stderr, /Cannot read passphrase file: it is readable by others \(mode 0640\)/);
  assert.match(open.stderr, new RegExp(`hint: Run \`chmod 600 ${pw}\``));
  noSecrets(open, keys, "horse battery");

  const wrong = await passFile(h, "wrong", "not it\n");
  const bad = await h.run(["pref", "set", "theme", "light"], {
    env: { MYCEL_PASSPHRASE_FILE: wrong },
  });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /the passphrase is wrong/);
  const doctor = await h.run(["doctor", "--json"]);
  const finding = JSON.parse(doctor.stdout).findings.find((f: { check: string }) =>
    f.check === "keys"
  );
  assert.equal(finding.ok, false);
  assert.match(
    finding.detail,
    /^file .*keys\.cbor, sealed: Cannot read device keys: they are protected/,
  );
});

Deno.test("keys export/import: the identity moves into a copied home whose keys are missing", async () => {
  await using a = await home();
  await a.ok(["init", "--name", "laptop"]);
  await a.ok(["pref", "set", "editor", "vim"]);
  const keys = await keysOf(a);
  const pw = await passFile(a, "pw", "move me\n");
  const out = a.path("laptop.mycelkeys");
  const exp = await a.ok(["keys", "export", out], { env: { MYCEL_PASSPHRASE_FILE: pw } });
  noSecrets(exp, keys, "move me");
  assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);
  assertNoSecret("export file", await Deno.readFile(out), keys, "move me");

  // The "new machine": the home folder copied, its keys not (as with a keyring).
  await using b = await home();
  await copyDir(a.home, b.home);
  await Deno.remove(`${b.home}/keys.cbor`);
  const broken = await b.run(["pref", "set", "editor", "emacs"]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /the key file is missing/);
  const imp = await b.ok(["keys", "import", out], { env: { MYCEL_PASSPHRASE_FILE: pw } });
  noSecrets(imp, keys, "move me");
  assert.match(imp.stdout, new RegExp(`^imported the keys of device ${deviceIdOf(keys)}$`, "m"));
  assert.match(
    imp.stdout,
    /^keys {4}file .*keys\.cbor, sealed$/m,
    "sealed with the same passphrase",
  );
  assert.deepEqual(await keysOf(b, "move me"), keys);
  await b.ok(["pref", "set", "editor", "emacs"], { env: { MYCEL_PASSPHRASE_FILE: pw } });
  // Importing the same keys again changes nothing.
  const again = await b.ok(["keys", "import", out, "--json"], {
    env: { MYCEL_PASSPHRASE_FILE: pw },
  });
  assert.equal(JSON.parse(again.stdout).changed, false);
});

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true, mode: 0o700 });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

Deno.test("keys export refuses without a passphrase and over an existing file; writes nothing then", async () => {
  await using h = await home();
  await h.ok(["init"]);
  const out = h.path("k.mycelkeys");
  const none = await h.run(["keys", "export", out]);
  assert.equal(none.code, 1, describe(["keys", "export"], none));
  assert.match(none.stderr, /Cannot export device keys: no passphrase was given/);
  await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  const pw = await passFile(h, "pw", "p\n");
  await h.writeFile("k.mycelkeys", "precious");
  const exists = await h.run(["keys", "export", out], { env: { MYCEL_PASSPHRASE_FILE: pw } });
  assert.equal(exists.code, 2);
  assert.match(exists.stderr, /the file exists/);
  assert.equal(await Deno.readTextFile(out), "precious");
  await h.ok(["keys", "export", out, "--force"], { env: { MYCEL_PASSPHRASE_FILE: pw } });
  assert.notEqual(await Deno.readTextFile(out).catch(() => ""), "precious");
});

Deno.test("keys import refuses another device, a wrong passphrase, garbage, different keys, no home", async () => {
  await using a = await home();
  await a.ok(["init"]);
  await using b = await home();
  await b.ok(["init"]);
  const pw = await passFile(a, "pw", "pw\n");
  const env = { MYCEL_PASSPHRASE_FILE: pw };
  const fromA = a.path("a.mycelkeys");
  await a.ok(["keys", "export", fromA], { env });
  const keysB = await keysOf(b);

  const other = await b.run(["keys", "import", fromA], { env });
  assert.equal(other.code, 1);
  assert.match(other.stderr, /Cannot import device keys: the file holds another device/);

  const fromB = b.path("b.mycelkeys");
  await b.ok(["keys", "export", fromB], { env });
  const wrongPw = await passFile(b, "wrong", "nope\n");
  const wrong = await b.run(["keys", "import", fromB], { env: { MYCEL_PASSPHRASE_FILE: wrongPw } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Cannot open exported keys: the passphrase is wrong/);

  const junk = await b.writeFile("junk", "not a key file");
  const garbage = await b.run(["keys", "import", junk], { env });
  assert.match(garbage.stderr, /Cannot read exported keys: it is not a mycel key export/);
  const missing = await b.run(["keys", "import", b.path("nope")], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot read exported keys: no such file/);

  // Same device id, other Noise/WireGuard keys: replacing them needs --force.
  const changed = { ...keysB, noisePrivate: (await keysOf(a)).noisePrivate };
  const forged = await b.writeFile("changed.mycelkeys", "");
  await Deno.writeFile(forged, await encodeKeyExport(changed, "pw"));
  const differ = await b.run(["keys", "import", forged], { env });
  assert.equal(differ.code, 1);
  assert.match(differ.stderr, /Cannot import device keys: the home has other keys/);
  assert.match(differ.stderr, /--force/);
  assert.deepEqual(await keysOf(b), keysB, "unchanged after the refusal");
  await b.ok(["keys", "import", forged, "--force"], { env });
  assert.deepEqual((await keysOf(b, "pw")).noisePrivate, changed.noisePrivate);

  await using c = await home();
  const noHome = await c.run(["keys", "import", fromB], { env });
  assert.equal(noHome.code, 1);
  assert.match(noHome.stderr, /it has not been set up/);
  for (const r of [other, wrong, garbage, differ, noHome]) noSecrets(r, keysB, "pw");
});

Deno.test("keys import --keys file seals an unsealed home's keys (same keys, new place)", async () => {
  await using h = await home();
  await h.ok(["init"]);
  const keys = await keysOf(h);
  const pw = await passFile(h, "pw", "now sealed\n");
  const env = { MYCEL_PASSPHRASE_FILE: pw };
  const out = h.path("k.mycelkeys");
  await h.ok(["keys", "export", out], { env });
  const r = await h.json<{ changed: boolean; keys: { sealed: boolean } }>(
    ["keys", "import", out, "--keys", "file", "--json"],
    { env },
  );
  assert.equal(r.changed, true);
  assert.equal(r.keys.sealed, true);
  assert.deepEqual(await keysOf(h, "now sealed"), keys);
  const bad = await h.run(["keys", "import", out, "--keys", "vault"], { env });
  assert.equal(bad.code, 2, "an unknown store is a usage error");
});
