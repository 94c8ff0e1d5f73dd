/**
 * @module key_creds_test
 * Keys for headless systemd units (key_creds.ts):
 * - the real `systemd-creds` (as root, with the host key in a temporary file
 *   via SYSTEMD_CREDENTIAL_SECRET so the machine's own key is never
 *   created): the credential written 0600 decrypts, under its name only, to
 *   the key material; the material went on stdin, never argv;
 * - `$CREDENTIALS_DIRECTORY/mycel-keys` wins over the home's own store in
 *   `loadDeviceKeys`, and another device's credential is refused;
 * - which systemd versions and scopes can use credentials; unit-file values.
 * Tests needing root or systemd-creds print why they skip.
 */

import assert from "node:assert/strict";
import { deviceIdOf } from "../../src/log/identity.ts";
import { homePaths } from "../../src/storage/home.ts";
import { decodeKeyMaterial, encodeKeyMaterial } from "../../src/storage/key_codec.ts";
import {
  credentialPath,
  credentialProblem,
  encryptKeysCredential,
  keysFromCredentials,
  systemdVersion,
} from "../../src/storage/key_creds.ts";
import { credentialUnitLine, unitPath } from "../../src/service/unit_values.ts";
import { loadDeviceKeys } from "../../src/storage/key_home.ts";
import { systemKeyRunner } from "../../src/storage/key_runner.ts";
import { writeKeys } from "../../src/storage/key_store.ts";
import { assertMycelError, assertRejectsMycel } from "../helpers/assert.ts";
import { runProcess, which } from "../helpers/process.ts";
import { testKeys } from "../log/helpers.ts";
import { assertNoSecret, FakeRunner } from "./_key_fakes.ts";
import { modeOf, tempDir } from "./helpers.ts";

const [KEYS, OTHER] = await testKeys(2);
const CREDS_SKIP = which("systemd-creds") === undefined
  ? "systemd-creds is not installed (Debian: systemd)"
  : Deno.uid() !== 0
  ? "encrypting with the host key needs root"
  : undefined;
if (CREDS_SKIP) console.log(`systemd-creds tests skipped: ${CREDS_SKIP}`);

Deno.test({
  name: "systemd-creds: the keys' credential is 0600, decrypts under its name to the key material",
  ignore: CREDS_SKIP !== undefined,
  async fn() {
    await using dir = await tempDir();
    const secret = `${dir.path}/credential.secret`;
    const env = (n: string) =>
      ({ SYSTEMD_CREDENTIAL_SECRET: secret, PATH: Deno.env.get("PATH"), MYCEL_PASSPHRASE: "x" })[n];
    const version = await systemdVersion(systemKeyRunner, env);
    assert.ok(version !== undefined && version >= 250, `systemd ${version}`);
    const out = `${dir.path}/mycel-keys.cred`;
    await encryptKeysCredential(KEYS, out, "system", systemKeyRunner, env);
    assert.equal(await modeOf(out), 0o600);
    assertNoSecret("credential file", await Deno.readFile(out), KEYS);
    const ok = await runProcess("systemd-creds", ["decrypt", "--name=mycel-keys", out, "-"], {
      env: { SYSTEMD_CREDENTIAL_SECRET: secret },
      timeoutMs: 20_000,
    });
    assert.equal(ok.code, 0, ok.stderr);
    // stdout as text is not byte-exact for binary: decrypt to a file instead.
    await runProcess("systemd-creds", ["decrypt", "--name=mycel-keys", out, `${dir.path}/plain`], {
      env: { SYSTEMD_CREDENTIAL_SECRET: secret },
      timeoutMs: 20_000,
    });
    assert.deepEqual(decodeKeyMaterial(await Deno.readFile(`${dir.path}/plain`), "p"), KEYS);
    const other = await runProcess("systemd-creds", ["decrypt", "--name=other", out, "-"], {
      env: { SYSTEMD_CREDENTIAL_SECRET: secret },
      timeoutMs: 20_000,
    });
    assert.notEqual(other.code, 0, "a credential only decrypts under its own name");
  },
});

Deno.test("encryptKeysCredential: key material on stdin, argv without secrets, scrubbed environment", async () => {
  await using dir = await tempDir();
  const runner = new FakeRunner(() => ({ stdout: "Whxqht+dQJax1aZeCGLx\n" }));
  const env = (n: string) =>
    ({ PATH: "/usr/bin", MYCEL_PASSPHRASE: "x", SYSTEMD_CREDENTIAL_SECRET: "/k", HOME: "/root" })[
      n
    ];
  await encryptKeysCredential(KEYS, `${dir.path}/c`, "user", runner, env);
  const [c] = runner.calls;
  assert.equal(c.cmd, "systemd-creds");
  assert.deepEqual(c.args, ["encrypt", "--name=mycel-keys", "--user", "-", "-"]);
  assert.equal(c.stdin, encodeKeyMaterial(KEYS).toBase64(), "the material went on stdin");
  assert.deepEqual(Object.keys(c.env).sort(), ["HOME", "PATH", "SYSTEMD_CREDENTIAL_SECRET"]);
  assert.equal(await Deno.readTextFile(`${dir.path}/c`), "Whxqht+dQJax1aZeCGLx\n");
  const failing = new FakeRunner(() => ({
    code: 1,
    stderr: "Failed to determine local credential key\n",
  }));
  const e = await assertRejectsMycel(
    () => encryptKeysCredential(KEYS, `${dir.path}/d`, "system", failing, env),
    "credential_failed",
  );
  assert.match(e.message, /local credential key/);
  assert.match(e.hint ?? "", /--passphrase-file/);
});

Deno.test("loadDeviceKeys: $CREDENTIALS_DIRECTORY/mycel-keys wins over the home's sealed file", async () => {
  await using dir = await tempDir();
  const paths = homePaths(dir.path);
  await writeKeys(paths.keys, KEYS, "the passphrase");
  await Deno.mkdir(`${dir.path}/creds`, { mode: 0o700 });
  await Deno.writeFile(`${dir.path}/creds/mycel-keys`, encodeKeyMaterial(KEYS), { mode: 0o400 });
  const env = (n: string) => (n === "CREDENTIALS_DIRECTORY" ? `${dir.path}/creds` : undefined);
  assert.deepEqual(
    await loadDeviceKeys(paths, env, { device: deviceIdOf(KEYS), prompt: null }),
    KEYS,
  );
  // Without the credential the same call needs the passphrase.
  await assertRejectsMycel(
    () => loadDeviceKeys(paths, () => undefined, { device: deviceIdOf(KEYS), prompt: null }),
    "passphrase_needed",
  );
});

Deno.test("keysFromCredentials: none outside a unit; another device's or garbage is refused by name", async () => {
  await using dir = await tempDir();
  const env = (n: string) => (n === "CREDENTIALS_DIRECTORY" ? dir.path : undefined);
  assert.equal(await keysFromCredentials(() => undefined, deviceIdOf(KEYS)), undefined);
  assert.equal(await keysFromCredentials(env, deviceIdOf(KEYS)), undefined, "no such credential");
  await Deno.writeFile(`${dir.path}/mycel-keys`, encodeKeyMaterial(OTHER));
  const e = await assertRejectsMycel(
    () => keysFromCredentials(env, deviceIdOf(KEYS)),
    "wrong_device",
  );
  assert.match(e.hint ?? "", /service install/);
  await Deno.writeFile(`${dir.path}/mycel-keys`, new Uint8Array([1, 2, 3]));
  await assertRejectsMycel(() => keysFromCredentials(env, deviceIdOf(KEYS)), "bad_keys");
});

Deno.test("credentialProblem: user units need systemd 256, system units need root, 250 at least", () => {
  assert.equal(credentialProblem("system", 252, 0), undefined);
  assert.equal(credentialProblem("user", 256, 1000), undefined);
  assert.match(credentialProblem("user", 252, 1000)!, /user units \(256 or later\)/);
  assert.match(credentialProblem("system", 252, 1000)!, /need root/);
  assert.match(credentialProblem("system", 249, 0)!, /250 or later/);
  assert.match(credentialProblem("system", undefined, 0)!, /not installed/);
});

Deno.test("unit values: % doubled; whitespace, quotes, backslashes and relative paths refused", () => {
  assert.equal(
    credentialUnitLine("/home/u/.local/share/mycel/mycel-keys.cred"),
    "LoadCredentialEncrypted=mycel-keys:/home/u/.local/share/mycel/mycel-keys.cred",
  );
  assert.equal(unitPath("/a/50%/b"), "/a/50%%/b");
  for (const bad of ["/a b", "/a'b", '/a"b', "/a\\b", "/a\nb", "relative/x"]) {
    assertMycelError(() => unitPath(bad), "bad_input", JSON.stringify(bad));
  }
  assert.equal(credentialPath(homePaths("/h")), "/h/mycel-keys.cred");
});
