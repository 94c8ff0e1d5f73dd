/**
 * @module keys_units_test
 * A home whose keys are sealed by a passphrase still syncs from the timer:
 * - system units (root): `service install` encrypts the keys with the real
 *   systemd-creds (host key in a temporary file via SYSTEMD_CREDENTIAL_SECRET,
 *   never the machine's), both services carry `LoadCredentialEncrypted=`,
 *   systemd-analyze accepts them; the ExecStart argv, run the way systemd
 *   runs it (credential decrypted into $CREDENTIALS_DIRECTORY, no passphrase
 *   anywhere), syncs with a peer; without the credential it cannot;
 *   uninstall removes the credential;
 * - user units on systemd < 256 (no user credentials): refused with a hint,
 *   and `--passphrase-file` puts `Environment=MYCEL_PASSPHRASE_FILE=` in both;
 * - cron: refused without a passphrase file; a group-readable or wrong one is
 *   refused by name; a good one prefixes the lines, and the line run by
 *   /bin/sh with cron's environment syncs.
 * Nothing here touches the machine's units, crontab or credential key.
 */

import assert from "node:assert/strict";
import {
  describe,
  MAIN_TS,
  type MycelOptions,
  type StatusJson,
  TempHome,
  tempHome,
} from "../helpers/mycel.ts";
import { V8_FLAGS_ARG } from "../../src/runtime_flags.ts";
import { quoteShell } from "../../src/service/units.ts";
import { freePort } from "../helpers/net.ts";
import { runProcess, which } from "../helpers/process.ts";
import {
  fakeBin,
  hasSystemdAnalyze,
  parseCrontab,
  parseExecStart,
  peer,
  unitValue,
  verifyUnits,
} from "./_helpers.ts";

const CREDS_SKIP = which("systemd-creds") === undefined
  ? "systemd-creds is not installed (Debian: systemd)"
  : Deno.uid() !== 0
  ? "system units and the host key need root"
  : undefined;
if (CREDS_SKIP) console.log(`systemd credential unit tests skipped: ${CREDS_SKIP}`);

/** A TempHome whose folder (with pw file, fake bin) cleanup removes whole. */
class SealedHome extends TempHome {
  constructor(dir: string, defaults: MycelOptions, readonly pw: string, readonly bin: string) {
    super(dir, defaults);
  }
}

/** A home sealed by the passphrase in `pw` (0600), a fake crontab on PATH, not offline. */
async function sealedHome(name: string): Promise<SealedHome> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-sealed-" });
  const pw = `${dir}/pw`;
  await Deno.writeTextFile(pw, "unit pass\n", { mode: 0o600 });
  const bin = await fakeBin(`${dir}/bin`);
  const h = new SealedHome(
    dir,
    {
      env: {
        PATH: bin.path(),
        XDG_CONFIG_HOME: `${dir}/config`,
        MYCEL_PASSPHRASE_FILE: pw,
        SYSTEMD_CREDENTIAL_SECRET: `${dir}/credential.secret`,
        DBUS_SESSION_BUS_ADDRESS: undefined,
      },
    },
    pw,
    bin.crontabFile,
  );
  await h.ok(["--no-sync", "init", "--name", name]);
  return h;
}

/** A plain home serving sync on a free port, and `h` peered with it. */
async function servedPeer(h: TempHome) {
  const served = await tempHome("mycel-served-", { env: { DBUS_SESSION_BUS_ADDRESS: undefined } });
  const port = freePort();
  await served.ok(["--no-sync", "init", "--name", "served", "--listen", `127.0.0.1:${port}`]);
  await peer(h, served);
  const server = served.spawn(["sync", "serve", "--listen", `127.0.0.1:${port}`]);
  await server.waitFor(/listening on/);
  return {
    served,
    async [Symbol.asyncDispose]() {
      await server.stop("SIGTERM");
      await served.cleanup();
    },
  };
}

const lastRound = async (h: TempHome) =>
  (await h.json<Record<string, unknown>>(["service", "status", "--dir", h.path("none"), "--json"]))
    .last_round as { peers: number; synced: number } | null;

Deno.test({
  name:
    "sealed keys, system units: a systemd credential; the unit's command syncs with no passphrase",
  ignore: CREDS_SKIP !== undefined,
  async fn() {
    await using h = await sealedHome("laptop");
    await using _peer = await servedPeer(h);
    const dir = h.path("units");
    const args = ["service", "install", "--system", "--dir", dir, "--no-enable", "--json"];
    const r = await h.run([...args, "--port", String(freePort())]);
    assert.equal(r.code, 0, describe(args, r));
    const cred = `${h.home}/mycel-keys.cred`;
    assert.deepEqual(JSON.parse(r.stdout).keys, { credential: cred, environment: {} });
    assert.match(r.stderr, /keys: the units get them as the systemd credential/);
    assert.equal((await Deno.stat(cred)).mode! & 0o777, 0o600);
    const units: Record<string, string> = {};
    for (const n of ["mycel-sync.service", "mycel-sync@.service"]) {
      units[n] = await Deno.readTextFile(`${dir}/${n}`);
      assert.equal(unitValue(units[n], "Service", "LoadCredentialEncrypted"), `mycel-keys:${cred}`);
      assert.ok(!units[n].includes("unit pass") && !units[n].includes("MYCEL_PASSPHRASE"), n);
    }
    if (hasSystemdAnalyze()) {
      const files = ["service", "timer", "socket"].map((x) => `${dir}/mycel-sync.${x}`);
      const v = await verifyUnits([...files, `${dir}/mycel-sync@.service`]);
      assert.equal(v.code, 0, `systemd-analyze verify:\n${v.stdout}${v.stderr}`);
    } else console.log("systemd-analyze verify skipped: not installed");

    // What systemd does at start: decrypt into a private $CREDENTIALS_DIRECTORY.
    const creds = h.path("creds");
    await Deno.mkdir(creds, { mode: 0o700 });
    const dec = await runProcess("systemd-creds", [
      "decrypt",
      "--name=mycel-keys",
      cred,
      `${creds}/mycel-keys`,
    ], {
      env: { SYSTEMD_CREDENTIAL_SECRET: `${h.dir}/credential.secret` },
      timeoutMs: 20_000,
    });
    assert.equal(dec.code, 0, dec.stderr);
    const argv = parseExecStart(unitValue(units["mycel-sync.service"], "Service", "ExecStart"));
    assert.deepEqual(argv.slice(0, 5), [Deno.execPath(), "run", "-A", V8_FLAGS_ARG, MAIN_TS]);
    const unitEnv = { PATH: "/usr/bin:/bin", HOME: h.dir };
    const without = await runProcess(argv[0], argv.slice(1), { env: unitEnv, clearEnv: true });
    assert.equal(
      without.code,
      1,
      `without the credential the sealed keys cannot be read:\n${without.stdout}${without.stderr}`,
    );
    assert.match(without.stderr, /protected by a passphrase/);
    const run = await runProcess(argv[0], argv.slice(1), {
      env: { ...unitEnv, CREDENTIALS_DIRECTORY: creds },
      clearEnv: true,
    });
    assert.equal(run.code, 0, `the unit's command:\n${run.stdout}${run.stderr}`);
    const last = await lastRound(h);
    assert.deepEqual([last?.peers, last?.synced], [1, 1], "a round ran and synced");
    const where = await h.ok(["keys", "where"], { env: { CREDENTIALS_DIRECTORY: creds } });
    assert.match(where.stdout, /^keys {4}systemd credential \(the home's own: file .*, sealed\)$/m);
    assert.match(where.stdout, new RegExp(`^units   ${cred} \\(systemd credential\\)$`, "m"));

    const rm = await h.ok(["service", "uninstall", "--system", "--dir", dir]);
    assert.match(rm.stdout, new RegExp(`^removed ${cred}$`, "m"));
    await assert.rejects(Deno.stat(cred), Deno.errors.NotFound);
  },
});

Deno.test("sealed keys, user units without user credentials: refused with a hint; --passphrase-file works", async () => {
  const v = /^systemd (\d+)/m.exec(
    (await runProcess("systemd-creds", ["--version"]).catch(() => ({ stdout: "" }))).stdout,
  )?.[1];
  if (v !== undefined && Number(v) >= 256) {
    console.log(`user-unit refusal not checked: systemd ${v} has user credentials`);
    return;
  }
  await using h = await sealedHome("laptop");
  const dir = h.path("units");
  const base = ["service", "install", "--user", "--dir", dir, "--no-enable", "--port", "40911"];
  const refused = await h.run(base, { env: { MYCEL_PASSPHRASE_FILE: undefined } });
  assert.equal(refused.code, 1, describe(base, refused));
  assert.match(
    refused.stderr,
    /Cannot set up the timer: it could not read the keys \(file, sealed; no systemd credential: /,
  );
  assert.match(refused.stderr, /hint: .*--passphrase-file FILE/);
  await assert.rejects(Deno.stat(dir), Deno.errors.NotFound, "nothing written");

  const ok = await h.run([...base, "--passphrase-file", h.pw], {
    env: { MYCEL_PASSPHRASE_FILE: undefined },
  });
  assert.equal(ok.code, 0, describe(base, ok));
  for (const n of ["mycel-sync.service", "mycel-sync@.service"]) {
    const text = await Deno.readTextFile(`${dir}/${n}`);
    assert.equal(unitValue(text, "Service", "Environment"), `MYCEL_PASSPHRASE_FILE=${h.pw}`);
    assert.ok(!text.includes("unit pass"));
  }
  // The same, with the passphrase file this command was given (MYCEL_PASSPHRASE_FILE).
  const viaEnv = await h.run([
    "service",
    "install",
    "--user",
    "--dir",
    h.path("u2"),
    "--no-enable",
    "--port",
    "40911",
  ]);
  assert.equal(viaEnv.code, 0, describe(base, viaEnv));
  assert.match(
    await Deno.readTextFile(h.path("u2/mycel-sync.service")),
    /^Environment=MYCEL_PASSPHRASE_FILE=/m,
  );
});

Deno.test({
  name: "sealed keys, cron: refused without a passphrase file; with one, the cron line syncs",
  ignore: which("flock") === undefined,
  async fn() {
    await using h = await sealedHome("laptop");
    await using _peer = await servedPeer(h);
    const base = ["service", "install", "--cron", "--port", String(freePort())];
    const none = { env: { MYCEL_PASSPHRASE_FILE: undefined } };
    const refused = await h.run(base, none);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Cannot set up cron: nobody can type the passphrase/);
    assert.match(refused.stderr, /--passphrase-file FILE/);

    const open = await h.writeFile("open-pw", "unit pass\n");
    await Deno.chmod(open, 0o644);
    const readable = await h.run([...base, "--passphrase-file", open], none);
    assert.match(
      readable.stderr,
      /Cannot read passphrase file: it is readable by others \(mode 0644\)/,
    );
    const wrong = await h.writeFile("wrong-pw", "other\n");
    await Deno.chmod(wrong, 0o600);
    const bad = await h.run([...base, "--passphrase-file", wrong], none);
    assert.match(bad.stderr, /the passphrase is wrong/);
    const plainKeys = await tempHome("mycel-plain-", {
      env: { DBUS_SESSION_BUS_ADDRESS: undefined },
    });
    await using _p = plainKeys;
    await plainKeys.ok(["--no-sync", "init"]);
    const notSealed = await plainKeys.run([...base, "--passphrase-file", h.pw]);
    assert.equal(notSealed.code, 2);
    assert.match(
      notSealed.stderr,
      /Cannot use --passphrase-file: the keys are not sealed in a file/,
    );

    const r = await h.ok([...base, "--passphrase-file", h.pw], none);
    const [job] = parseCrontab(r.stdout);
    // (under `flock -n LOCK` on Linux, which hands its environment on)
    const guard = Deno.build.os === "linux" ? /^flock -n \S+ / : /^/;
    assert.ok(
      job.command.startsWith(`MYCEL_PASSPHRASE_FILE=${h.pw} `) &&
        job.command.slice(`MYCEL_PASSPHRASE_FILE=${h.pw} `.length).replace(guard, "")
          .startsWith(`${quoteShell(Deno.execPath())} `),
      job.command,
    );
    assert.ok(!r.stdout.includes("unit pass"));
    const home = Deno.env.get("HOME") ?? "/";
    const cronEnv = { HOME: home, LOGNAME: "root", SHELL: "/bin/sh", PATH: "/usr/bin:/bin" };
    const done = await runProcess("/bin/sh", ["-c", job.command], {
      env: cronEnv,
      clearEnv: true,
      cwd: home,
    });
    assert.equal(done.code, 0, `the cron command:\n${job.command}\n${done.stderr}`);
    const last = await lastRound(h);
    assert.deepEqual([last?.peers, last?.synced], [1, 1]);
    const st = await h.json<StatusJson>(["status", "--json"]);
    assert.equal(st.keys?.sealed, true);
  },
});

Deno.test("keys in a Secret Service: user units read it; system units get a credential; cron needs the session bus", async () => {
  const { deviceIdOf } = await import("../../src/log/identity.ts");
  const { homePaths } = await import("../../src/storage/home.ts");
  const { keyMaterialText } = await import("../../src/storage/key_codec.ts");
  const { writeKeyStub } = await import("../../src/storage/key_store.ts");
  const { planUnitKeys } = await import("../../src/service/unit_keys.ts");
  const { FakeRunner } = await import("../storage/_key_fakes.ts");
  const { testKeys } = await import("../log/helpers.ts");
  const [keys] = await testKeys(1);
  const dir = await Deno.makeTempDir({ prefix: "mycel-ss-units-" });
  try {
    const paths = homePaths(dir);
    const device = deviceIdOf(keys);
    await writeKeyStub(paths.keys, { store: "secret-service", device, tag: "0011223344556677" });
    const runner = new FakeRunner((c) =>
      c.cmd === "systemd-creds"
        ? c.args[0] === "--version"
          ? { stdout: "systemd 252 (252.39)\n" }
          : { stdout: "CIPHERTEXT\n" }
        : c.args[0] === "lookup"
        ? { stdout: keyMaterialText(keys) }
        : {}
    );
    const env = (n: string) => (n === "DBUS_SESSION_BUS_ADDRESS" ? "unix:path=/x" : undefined);
    const user = await planUnitKeys(paths, { kind: "user", env, device, runner, uid: 1000 });
    assert.equal(user.credential, undefined);
    assert.match(user.note, /user units read the Secret Service.*systemd 252 cannot decrypt/);
    const system = await planUnitKeys(paths, { kind: "system", env, device, runner, uid: 0 });
    assert.equal(system.credential, `${dir}/mycel-keys.cred`);
    assert.equal(await Deno.readTextFile(`${dir}/mycel-keys.cred`), "CIPHERTEXT\n");
    const encrypt = runner.calls.find((c) => c.args[0] === "encrypt")!;
    assert.ok(!encrypt.args.join(" ").includes(keyMaterialText(keys)), "the keys went on stdin");
    // A later plan that needs no credential removes the stale one.
    await planUnitKeys(paths, { kind: "user", env, device, runner, uid: 1000 });
    await assert.rejects(Deno.stat(`${dir}/mycel-keys.cred`), Deno.errors.NotFound);
    const { assertRejectsMycel } = await import("../helpers/assert.ts");
    const e = await assertRejectsMycel(
      () => planUnitKeys(paths, { kind: "cron", env, device, runner, uid: 987654 }),
      "keyring_unavailable",
    );
    assert.match(e.message, /no session bus at \/run\/user\/987654\/bus/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "service install --system for a user's home refusing root's passphrase file keeps the credential the installed units load",
  ignore: CREDS_SKIP !== undefined,
  async fn() {
    await using h = await sealedHome("laptop");
    const nobody = "65534";
    await runProcess("chown", ["-R", nobody, h.home]);
    const dir = h.path("units");
    const args = ["service", "install", "--system", "--dir", dir, "--no-enable"];
    const as = { env: { SUDO_UID: nobody } };
    await h.ok([...args, "--port", String(freePort())], as);
    const cred = `${h.home}/mycel-keys.cred`;
    const before = await Deno.readFile(cred);
    const unit = await Deno.readTextFile(`${dir}/mycel-sync.service`);
    assert.equal(unitValue(unit, "Service", "LoadCredentialEncrypted"), `mycel-keys:${cred}`);

    // h.pw is root's: the units, run as the home's owner, could not read it.
    const refused = await h.run([...args, "--passphrase-file", h.pw], as);
    assert.equal(refused.code, 1, describe(args, refused));
    assert.match(refused.stderr, /who does not own the passphrase file/);
    // Refused, the install changed nothing: the units still load the credential.
    assert.equal(await Deno.readTextFile(`${dir}/mycel-sync.service`), unit);
    assert.deepEqual(await Deno.readFile(cred), before, "the credential is still there");
  },
});
