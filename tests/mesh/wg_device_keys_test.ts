/**
 * @module wg_device_keys_test
 * The private key of a WireGuard-only device (a phone) made here is kept
 * only while the phone is a member: `mesh remove` of it here deletes the
 * key file with that write; a removal taken in from another device keeps
 * it (that removal may stop counting: tests/sync/removal_race_wg_key_test.ts)
 * and doctor names it with its remover; a key left over is a doctor FAIL
 * naming the phone, and `doctor --fix` deletes it. Real homes, real files.
 */

import assert from "node:assert/strict";
import { describe, mycel } from "../helpers/mycel.ts";
import { exportWg } from "../../src/cli/export_wg.ts";
import type { Home } from "../../src/storage/home_handle.ts";

/** A home "desk" with a WireGuard endpoint and a member "server"; a phone exported here. */
async function deskWithPhone() {
  const { makeHome } = await import("../storage/helpers.ts");
  const { testDevices } = await import("../log/helpers.ts");
  const h = await makeHome(0, "desk");
  const [, server] = await testDevices(2);
  const home = await h.writer();
  await home.write((w) =>
    w.commit([
      {
        type: "device.update",
        device: h.device,
        fields: { endpoints: ["198.18.0.1:7850"], wgPort: 51871 },
      },
      { type: "device.add", device: server.record("server") },
    ])
  );
  await exportWg(home, "phone");
  const phone = home.view.members().find((m) => m.record.name === "phone")!.record;
  const keyFile = `${h.root}/wg-devices/${phone.id.replaceAll("-", "")}.key`;
  return { h, home, server, phone, keyFile };
}

async function filesIn(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

type Finding = { check: string; ok: boolean; detail: string; hint?: string };

/** `doctor --json` (with `--fix` when `fix`) of home `root`: its run and its wg-devices finding. */
async function wgDevicesFinding(root: string, fix = false) {
  const args = ["--home", root, "--no-sync", "doctor", "--json", ...(fix ? ["--fix"] : [])];
  const r = await mycel(args);
  const doc = JSON.parse(r.stdout) as { findings: Finding[] };
  return { args, r, found: doc.findings.find((f) => f.check === "wg-devices") };
}

function revokeOp(home: Home, key: Home["device"]) {
  return { type: "device.revoke" as const, device: key, upTo: home.log.head(key)?.seq ?? 0 };
}

Deno.test("mesh remove of a phone deletes its private key from the home, its bytes overwritten first", async () => {
  const { h: made, home, keyFile } = await deskWithPhone();
  await using h = made;
  home.close();
  assert.equal((await Deno.stat(keyFile)).mode! & 0o777, 0o600, "kept while it is a member");
  // A descriptor still open on the key shows what happened to its bytes:
  // overwritten before the unlink, not only unlinked.
  using held = await Deno.open(keyFile, { read: true });
  const size = (await held.stat()).size;
  const args = ["--home", h.root, "--no-sync", "mesh", "remove", "phone", "--yes"];
  const r = await mycel(args);
  assert.equal(r.code, 0, describe(args, r));
  // Before: the key stayed in wg-devices/ for good.
  assert.deepEqual(await filesIn(`${h.root}/wg-devices`), [], "the removed phone's key is kept");
  const bytes = new Uint8Array(size);
  await held.seek(0, Deno.SeekMode.Start);
  assert.equal(await held.read(bytes), size);
  assert.deepEqual(bytes, new Uint8Array(size), "its bytes were left as they were");
});

Deno.test("deleting a removed phone's key never writes through a link: a key file that is another file's second name is unlinked, that file left as it was", async () => {
  const { h: made, home, keyFile } = await deskWithPhone();
  await using h = made;
  home.close();
  // The key's name now also names a file of the user's (a hard link: what
  // root, under sudo, must never overwrite for the user's mycel).
  const other = `${h.root}/notes.txt`;
  const text = new TextEncoder().encode("the user's own notes, not a key\n");
  await Deno.writeFile(other, text);
  await Deno.remove(keyFile);
  await Deno.link(other, keyFile);
  const args = ["--home", h.root, "--no-sync", "mesh", "remove", "phone", "--yes"];
  const r = await mycel(args);
  assert.equal(r.code, 0, describe(args, r));
  assert.deepEqual(await filesIn(`${h.root}/wg-devices`), [], "the key's name is gone");
  // Before: the other file was overwritten with zeros.
  assert.deepEqual(await Deno.readFile(other), text, "the linked file was overwritten");
});

Deno.test("a phone's removal taken in from another device keeps its private key; doctor names the remover and --fix deletes it", async () => {
  const { h: made, home, server, phone, keyFile } = await deskWithPhone();
  await using h = made;
  try {
    const removal = await server.append([revokeOp(home, phone.key)], home.now());
    await home.write(async (w) => {
      const ingest = w.ingest();
      await w.pushIngest(ingest, [removal.bytes]);
      assert.equal(w.finishIngest(ingest).accepted, 1);
    });
    assert.notEqual(home.view.member(phone.key)?.removed, undefined);
    await Deno.stat(keyFile); // kept: that removal may stop counting
  } finally {
    home.close();
  }
  const { r: before, found } = await wgDevicesFinding(h.root);
  assert.ok(found, `no wg-devices finding: ${before.stdout}`);
  assert.equal(found.ok, false);
  assert.equal(
    found.detail,
    `private keys of removed WireGuard-only devices still kept here: phone (${
      phone.id.slice(0, 7)
    }, removed by server)`,
  );
  assert.match(found.hint ?? "", /a removal made on another device keeps the key here/);
  const { args, r: fixed, found: done } = await wgDevicesFinding(h.root, true);
  assert.equal(done?.ok, true, describe(args, fixed));
  await assert.rejects(() => Deno.stat(keyFile), Deno.errors.NotFound, "--fix kept the key");
});

Deno.test("doctor flags a removed phone's private key left in the home; doctor --fix deletes it", async () => {
  const { h: made, home, phone, keyFile } = await deskWithPhone();
  await using h = made;
  const kept = await Deno.readFile(keyFile);
  try {
    await home.write((w) => w.commit([revokeOp(home, phone.key)]));
  } finally {
    home.close();
  }
  // As an older mycel left it: the key, and a temporary copy from a crash.
  const tmp = `${keyFile}.4242.abcd1234.tmp`;
  await Deno.writeFile(keyFile, kept, { mode: 0o600 });
  await Deno.writeFile(tmp, kept, { mode: 0o600 });
  const { args, r: before, found } = await wgDevicesFinding(h.root);
  assert.ok(found, `no wg-devices finding: ${before.stdout}`);
  assert.equal(found.ok, false);
  assert.match(
    found.detail,
    new RegExp(
      `^private keys of removed WireGuard-only devices still kept here: phone \\(${
        phone.id.slice(0, 7)
      }, removed by desk\\)$`,
    ),
  );
  assert.match(found.hint ?? "", /^Run `mycel doctor --fix` to delete them/);
  assert.equal(before.code, 1, describe(args, before));

  const { found: done } = await wgDevicesFinding(h.root, true);
  assert.deepEqual(done, {
    check: "wg-devices",
    ok: true,
    detail: `deleted the private keys of removed devices: phone (${
      phone.id.slice(0, 7)
    }, removed by desk)`,
  });
  assert.deepEqual(await filesIn(`${h.root}/wg-devices`), []);
  const { found: again } = await wgDevicesFinding(h.root);
  assert.equal(again, undefined, "nothing left to say");
});
