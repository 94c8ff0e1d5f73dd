/**
 * A home whose keys are sealed by a passphrase serves sync without the
 * passphrase once its Noise pair is kept in RAM (src/storage/home_noise.ts):
 * a responder answers handshakes — strangers' included — without scrypt,
 * and the kept pair never holds the signing key. Real processes, a real
 * tmpfs (/dev/shm) as the runtime directory.
 */

import assert from "node:assert/strict";
import { fsTypeOf } from "../../src/storage/noise_cache.ts";
import { freePort } from "../helpers/net.ts";
import { devices } from "./_helpers.ts";

const onRam = (await fsTypeOf("/dev/shm")) === "tmpfs";

Deno.test({
  name:
    "sealed keys: after one opening, sync serve answers without the passphrase; RAM holds only the Noise pair",
  ignore: !onRam,
  async fn() {
    const runtime = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "mycel-run-" });
    await Deno.chmod(runtime, 0o700);
    const pw = `${runtime}/pw`;
    await Deno.writeTextFile(pw, "vault pass\n", { mode: 0o600 });
    try {
      await using devs = await devices(["laptop"]);
      const [laptop] = devs.list;
      const vault = await devs.add("vault", freePort(), {
        env: {
          MYCEL_PASSPHRASE_FILE: pw,
          XDG_RUNTIME_DIR: runtime,
          DBUS_SESSION_BUS_ADDRESS: undefined,
        },
      });
      const where = await vault.ok(["keys", "where"]);
      assert.match(where.stdout, /sealed/, where.stdout);
      await devs.peer(vault, laptop);
      const noPassphrase = { env: { MYCEL_PASSPHRASE_FILE: undefined } };

      // Nothing kept yet: without the passphrase the server cannot answer.
      const kept = () => [...Deno.readDirSync(`${runtime}/mycel`)].map((e) => e.name);
      await Deno.remove(`${runtime}/mycel`, { recursive: true }).catch(() => {});
      await vault.serve(10, noPassphrase);
      const refused = await laptop.syncNow();
      assert.notEqual(refused.of(vault).status, "synced");
      const first = await vault.stopServer();
      assert.match(first!.stderr, /passphrase/i, first!.stderr);

      // One session with the passphrase opens the keys and keeps the Noise pair.
      await vault.serve(10);
      assert.equal((await laptop.syncAll()).of(vault).status, "synced");
      await vault.stopServer();
      const names = kept();
      assert.equal(names.length, 1, names.join(" "));
      const file = `${runtime}/mycel/${names[0]}`;
      assert.equal((await Deno.lstat(file)).mode! & 0o777, 0o600);
      const text = await Deno.readTextFile(file);
      const fields = JSON.parse(text);
      assert.deepEqual(Object.keys(fields).sort(), ["private", "public", "stamp", "v"]);
      assert.equal(fields.private.length, 64, "one 32-byte key: the Noise private key alone");

      // Now without the passphrase: served, both ways, states equal.
      await vault.write("pref", "set", "kept.by", "vault");
      await laptop.write("pref", "set", "from", "laptop");
      await vault.serve(10, noPassphrase);
      const round = await laptop.syncAll();
      assert.equal(round.of(vault).status, "synced");
      assert.deepEqual([round.of(vault).sent, round.of(vault).received], [1, 1]);
      await vault.stopServer();
      await devs.assertConverged();
    } finally {
      await Deno.remove(runtime, { recursive: true });
    }
  },
});
