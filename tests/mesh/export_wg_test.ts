/**
 * @module export_wg_test
 * `mesh export-wg` when no peer has a WireGuard endpoint yet: this device's
 * own config still lists every peer (they may reach it first) and says so on
 * standard error; a WireGuard-only device is refused before it is admitted,
 * with what to do, instead of printing a config with no [Peer]; and on a
 * removed device, whose admissions no member accepts.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";
import { peer } from "../service/_helpers.ts";

Deno.test("export-wg with no peer endpoint: own config warns, a phone is refused and not admitted", async () => {
  await using a = await tempHome("mycel-export-a-");
  await using b = await tempHome("mycel-export-b-");
  await a.ok(["--no-sync", "init", "--name", "desk"]);
  await b.ok(["--no-sync", "init", "--name", "laptop"]);
  await peer(a, b);

  const own = await a.run(["--no-sync", "mesh", "export-wg"]);
  assert.equal(own.code, 0, describe(["mesh", "export-wg"], own));
  assert.equal([...own.stdout.matchAll(/^\[Peer\]$/gm)].length, 1, own.stdout);
  assert.doesNotMatch(own.stdout, /^Endpoint/m);
  assert.match(own.stderr, /^warning: the only peer has no known endpoint/m);

  const args = ["--no-sync", "mesh", "export-wg", "phone"];
  const phone = await a.run(args);
  assert.equal(phone.code, 1, describe(args, phone));
  assert.equal(phone.stdout, "");
  assert.match(
    phone.stderr,
    /Cannot export WireGuard config: no device of the mesh has a known WireGuard endpoint/,
  );
  assert.match(
    phone.stderr,
    /^hint: Run `sudo mycel mesh up` on a device with a reachable address/m,
  );
  const list = await a.json<{ name: string }[]>(["mesh", "list", "--json"]);
  assert.deepEqual(
    list.map((d) => d.name).sort(),
    ["desk", "laptop"],
    "the phone was admitted anyway",
  );
});

Deno.test("export-wg on a device alone in its mesh says there is no peer", async () => {
  await using a = await tempHome("mycel-export-alone-");
  await a.ok(["--no-sync", "init", "--name", "alone"]);
  const r = await a.run(["--no-sync", "mesh", "export-wg"]);
  assert.equal(r.code, 1, describe(["mesh", "export-wg"], r));
  assert.match(r.stderr, /Cannot export WireGuard config: this device has no peers yet/);
  assert.equal(r.stdout, "");
});

/**
 * A home "desk" with a WireGuard endpoint and one other member `name`
 * (in-process), open for writing: what exporting a phone needs.
 */
async function deskWith(name: string) {
  const { makeHome } = await import("../storage/helpers.ts");
  const { testDevices } = await import("../log/helpers.ts");
  const h = await makeHome(0, "desk");
  const [, other] = await testDevices(2);
  const home = await h.writer();
  await home.write((w) =>
    w.commit([
      {
        type: "device.update",
        device: h.device,
        fields: { endpoints: ["198.18.0.1:7850"], wgPort: 51871 },
      },
      { type: "device.add", device: other.record(name) },
    ])
  );
  return { h, home, other };
}

Deno.test("a WireGuard-only device announces itself: a member's backdated re-admission cannot swap its key", async () => {
  const { exportWg } = await import("../../src/cli/export_wg.ts");
  const { h: made, home, other: rogue } = await deskWith("rogue");
  await using _h = made;
  try {
    const { text } = await exportWg(home, "phone");
    assert.match(text, /^\[Interface\]$/m);
    const phone = home.view.members().find((m) => m.record.name === "phone")!;
    const wgKey = phone.record.wgKey;
    assert.equal(home.log.head(phone.record.key)?.seq, 1, "the phone's own first entry is held");

    // A member re-admits the phone's key with its own WireGuard key, stamped long ago.
    const evil = {
      ...phone.record,
      wgKey: "V3VXzuwLTY2YfUu2t9mKwLnAGuXahhN6D5mi/rrAVl0=",
      name: "phone",
    };
    const hostile = await rogue.appendAt([{ type: "device.add", device: evil }], {
      wall: 1,
      counter: 0,
      node: rogue.key.hex,
    });
    await home.write(async (w) => {
      const ingest = w.ingest();
      await w.pushIngest(ingest, [hostile.bytes]);
      assert.equal(w.finishIngest(ingest).accepted, 1);
    });
    const after = home.view.member(phone.record.key)!;
    assert.equal(after.admitted.by, rogue.key, "the backdated admission is the one kept");
    assert.equal(after.record.wgKey, wgKey, "yet the key the phone published stays");
  } finally {
    home.close();
  }
});

Deno.test("status shows a WireGuard-only device as such, never relayed or never synced", async () => {
  const { exportWg } = await import("../../src/cli/export_wg.ts");
  const { statusJson } = await import("../../src/cli/status_json.ts");
  const { peerTable } = await import("../../src/cli/status_table.ts");
  const { h: made, home, other: server } = await deskWith("server");
  await using _h = made;
  try {
    await exportWg(home, "phone");
    const phone = home.view.members().find((m) => m.record.name === "phone")!;
    // The phone's record came to us through the server (as on every other device).
    await home.write((w) => {
      w.peer(phone.record.key, (b) => b.relay = { via: server.key.hex, at: home.now() });
    });
    const st = await statusJson(home, home.now());
    const row = st.peers.find((p) => p.name === "phone")!;
    assert.equal(row.wireguard_only, true);
    assert.equal(row.path, null, "before: relayed via server");
    assert.equal(row.relayed_via, null);
    assert.equal(st.peers.find((p) => p.name === "server")!.wireguard_only, false);
    const text = peerTable(st.peers, home.now()).map((t) => JSON.stringify(t)).join("\n");
    const line = text.split("\n").find((l) => l.includes("phone"))!;
    assert.match(line, /wireguard only/);
    assert.doesNotMatch(line, /never synced|relayed/);
  } finally {
    home.close();
  }
});

Deno.test("mesh remove says which WireGuard-only devices still list the removed device, and how to fix it", async () => {
  const { exportWg } = await import("../../src/cli/export_wg.ts");
  const { mycel } = await import("../helpers/mycel.ts");
  const { h: made, home } = await deskWith("server");
  await using h = made;
  try {
    await exportWg(home, "phone");
  } finally {
    home.close();
  }
  const args = ["--home", h.root, "--no-sync", "mesh", "remove", "server", "--yes"];
  const r = await mycel(args);
  assert.equal(r.code, 0, describe(args, r));
  assert.match(
    r.stderr,
    /^note: WireGuard-only devices keep the config they were given, which still lists server as a peer: export it again and load it there \(`mycel mesh export-wg phone`\)$/m,
  );
});

Deno.test("a phone's config reaches a peer where this device's tunnel to it last worked (a NATed peer's observed endpoint)", async () => {
  const { exportWg } = await import("../../src/cli/export_wg.ts");
  const { h: made, home, other: server } = await deskWith("server");
  await using _h = made;
  try {
    // The server advertises nothing reachable from outside; this device's tunnel
    // to it last worked at the server's NAT address.
    await home.write((w) => {
      w.peer(server.key, (b) => b.wgEndpoints = { "198.51.100.7:41000": home.now() });
    });
    const { text } = await exportWg(home, "phone");
    const peers = text.split("[Peer]").slice(1);
    const toServer = peers.find((p) => p.includes(server.record().wgKey));
    assert.ok(toServer !== undefined, `before: the server was left out\n${text}`);
    assert.match(toServer, /^Endpoint = 198\.51\.100\.7:41000$/m);
  } finally {
    home.close();
  }
});

Deno.test("export-wg on a removed device refuses to admit a phone, and admits nothing", async () => {
  const { exportWg } = await import("../../src/cli/export_wg.ts");
  const { h: made, home, other: server } = await deskWith("server");
  await using _h = made;
  try {
    // The server (reachable: an endpoint and a WireGuard port) removed this
    // device; its state holds the signed removal.
    const revoke = await server.append([
      {
        type: "device.update",
        device: server.key,
        fields: { endpoints: ["198.18.0.2:7850"], wgPort: 51871 },
      },
      { type: "device.revoke", device: home.device, upTo: home.log.head(home.device)?.seq ?? 0 },
    ], home.now());
    await home.write(async (w) => {
      const ingest = w.ingest();
      await w.pushIngest(ingest, [revoke.bytes]);
      assert.equal(w.finishIngest(ingest).accepted, 1);
    });
    const before = home.view.members().length;
    // Before: admitted here, printed a config whose peers all refuse the
    // phone (no member accepts this device's entries past its cut).
    await assert.rejects(
      () => exportWg(home, "phone"),
      (e: Error & { code?: string; hint?: string }) => {
        assert.equal(e.code, "removed");
        assert.match(
          e.message,
          /^Cannot export WireGuard config: this device was removed from the mesh by server at /,
        );
        assert.match(e.hint ?? "", /^Run `mycel mesh export-wg phone` on a device of the mesh/);
        return true;
      },
    );
    assert.equal(home.view.members().length, before, "the phone was admitted anyway");
    const keys = await Array.fromAsync(Deno.readDir(`${home.paths.root}/wg-devices`)).catch(
      () => [],
    );
    assert.deepEqual(keys, [], "a phone key was written anyway");
  } finally {
    home.close();
  }
});

Deno.test("export-wg of a removed phone's name says to give the new one another name", async () => {
  const { exportWg } = await import("../../src/cli/export_wg.ts");
  const { mycel } = await import("../helpers/mycel.ts");
  const { h: made, home } = await deskWith("server");
  await using h = made;
  try {
    await exportWg(home, "phone");
  } finally {
    home.close();
  }
  const base = ["--home", h.root, "--no-sync", "mesh"];
  const removed = await mycel([...base, "remove", "phone", "--yes"]);
  assert.equal(removed.code, 0, describe(["mesh", "remove"], removed));
  const args = [...base, "export-wg", "phone"];
  const r = await mycel(args);
  assert.equal(r.code, 1, describe(args, r));
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^error: Cannot export WireGuard config: that device was removed from the mesh \(phone\)$/m,
  );
  assert.match(
    r.stderr,
    /^hint: .*give a new one another name \(`mycel mesh export-wg NEWNAME`\)/m,
  );
});

Deno.test("export-wg --json: the config and the phone's id, name and addresses; --qr with --json is refused", async () => {
  const { mycel } = await import("../helpers/mycel.ts");
  const { h: made, home } = await deskWith("server");
  await using h = made;
  home.close();
  const base = ["--home", h.root, "--no-sync", "mesh", "export-wg"];
  type Doc = import("../../src/cli/json_types.ts").ExportWgJson;
  const args = [...base, "phone", "--json"];
  const r = await mycel(args);
  // Before: unknown flag (--json), exit 2.
  assert.equal(r.code, 0, describe(args, r));
  const doc = JSON.parse(r.stdout) as Doc;
  const list = await mycel(["--home", h.root, "mesh", "list", "--json"]);
  const phone = (JSON.parse(list.stdout) as { id: string; name: string }[])
    .find((d) => d.name === "phone")!;
  assert.equal(doc.device, phone.id);
  assert.equal(doc.name, "phone");
  assert.equal(doc.admitted, true);
  assert.equal(doc.interface, null, "no interface is up here");
  assert.match(doc.addresses.ipv4, /^100\.\d+\.\d+\.\d+$/);
  assert.match(
    doc.config,
    new RegExp(
      `^Address = ${doc.addresses.ipv4.replaceAll(".", "\\.")}/32, ${doc.addresses.ipv6}/48$`,
      "m",
    ),
  );
  assert.match(doc.config, /^PrivateKey = /m, "the phone needs its key, as the text shows it");

  // The same device again: the same config, nothing admitted.
  const again = JSON.parse((await mycel(args)).stdout) as Doc;
  assert.deepEqual({ ...again, admitted: true }, doc);
  assert.equal(again.admitted, false);
  const text = await mycel([...base, "phone"]);
  assert.equal(text.stdout, doc.config, "--json carries the config as the text prints it");

  const own = JSON.parse((await mycel([...base, "--json"])).stdout) as Doc;
  assert.equal(own.name, "desk");
  assert.equal(own.admitted, false);

  const both = [...base, "phone", "--json", "--qr"];
  const refused = await mycel(both);
  assert.equal(refused.code, 2, describe(both, refused));
  assert.equal(refused.stdout, "");
  assert.match(refused.stderr, /--qr and --json do not go together/);
});
