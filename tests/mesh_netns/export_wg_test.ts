/**
 * `mesh export-wg NAME --qr` admits a WireGuard-only device (a phone) and
 * prints its wg-quick config and a QR of it; this device's interface takes
 * it as a peer at once, the other devices at their next apply; none ever
 * tries to sync with it, and this device's own exported config includes it;
 * with --json the exporter says its interface took the new device.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { decodeTerminalQr } from "../helpers/qr.ts";
import { labTest, meshOf, sh, WG_PORT } from "./_netns.ts";

const CGNAT = /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d+\.\d+$/;

labTest("mesh: export-wg admits a phone, its exporter takes it at once, peers never sync with it", {
  nodes: ["a", "b"],
}, async (lab) => {
  await meshOf(lab, "star");
  const [a, b] = lab.nodes;
  const keys = new Map<string, string>();
  for (const n of lab.nodes) keys.set((await n.wgDump())!.publicKey, n.ip);

  const args = ["--no-sync", "mesh", "export-wg", "phone", "--qr"];
  const r = await a.ok(args);
  const cut = r.stdout.search(/^[█▀▄ ]+$/m);
  assert.ok(cut > 0, `no QR after the config: ${describe(args, r)}`);
  const config = r.stdout.slice(0, cut);
  const qr = r.stdout.slice(cut);
  assert.equal(
    decodeTerminalQr(qr, { skipBlankLines: true }),
    config,
    "the QR does not decode to the printed config",
  );

  const field = (name: string) =>
    [...config.matchAll(new RegExp(`^${name} = (.+)$`, "gm"))].map((m) => m[1].trim());
  assert.match(config, /^\[Interface\]$/m);
  const [privateKey] = field("PrivateKey");
  assert.ok(privateKey, config);
  const addresses = field("Address").flatMap((v) => v.split(/,\s*/));
  const v4 = addresses.filter((x) => x.includes("."));
  assert.equal(v4.length, 1, config);
  assert.match(v4[0].split("/")[0], CGNAT, config);
  assert.ok(addresses.some((x) => /^fd[0-9a-f]{2}:/.test(x)), config);
  const peerBlocks = config.split(/^\[Peer\]$/m).slice(1);
  assert.equal(peerBlocks.length, 2, config);
  for (const block of peerBlocks) {
    const pub = /^PublicKey = (.+)$/m.exec(block)?.[1].trim();
    const endpoint = /^Endpoint = (.+)$/m.exec(block)?.[1].trim();
    assert.ok(pub && keys.has(pub), `unknown peer key in\n${block}`);
    assert.equal(endpoint, `${keys.get(pub)}:${WG_PORT}`, block);
  }
  const phoneKey = (await sh("wg", ["pubkey"], `${privateKey}\n`)).trim();
  // The exporting device's interface answers the phone at once, with no
  // `mesh up` (before: only after the next one, so the QR just scanned
  // gave a dead tunnel to the very device that printed it).
  const atOnce = (await a.wgDump())!;
  assert.ok(
    atOnce.peers.some((p) => p.publicKey === phoneKey),
    `a's interface does not have the phone it just admitted: ${JSON.stringify(atOnce)}`,
  );
  assert.doesNotMatch(r.stderr, /note|warning/, describe(args, r));

  const round = await b.syncNow(6);
  assert.equal(round.result.code, 0, describe(["sync", "now"], round.result));
  assert.deepEqual(round.lines.map((l) => l.name), ["a"]);
  const phone = (await b.status()).peers.find((p) => p.name === "phone");
  assert.ok(phone, "b does not know the phone");
  assert.equal(phone.addresses.ipv4, v4[0].split("/")[0]);

  for (const n of [a, b]) {
    const up = await n.meshUp();
    // A phone has no endpoint by design: no warning about it.
    assert.doesNotMatch(up.stderr, /warning/, up.stderr);
    const dump = (await n.wgDump())!;
    const p = dump.peers.find((x) => x.publicKey === phoneKey);
    assert.ok(p, `${n.name}: the phone is not a WireGuard peer: ${JSON.stringify(dump)}`);
    assert.ok(p.allowedIps.includes(`${phone.addresses.ipv4}/32`), JSON.stringify(p));
    assert.equal(p.endpoint, null);
  }
  // This device's own config lists the phone too, as mesh up configures it.
  const own = await a.ok(["--no-sync", "mesh", "export-wg"]);
  const ownPeers = [...own.stdout.matchAll(/^PublicKey = (.+)$/gm)].map((m) => m[1].trim());
  assert.equal(ownPeers.length, 2, own.stdout);
  assert.ok(ownPeers.includes(phoneKey), `a's own config leaves out the phone:\n${own.stdout}`);
  assert.doesNotMatch(own.stderr, /warning/);

  for (const n of [a, b]) {
    const again = await n.syncNow(6);
    assert.equal(again.result.code, 0, describe(["sync", "now"], again.result));
    assert.ok(!again.lines.some((l) => l.name === "phone"), again.result.stdout);
    assert.equal(again.lines.length, 1);
  }

  // --json says which of this device's interfaces took the new device as a peer.
  const tabletArgs = ["--no-sync", "mesh", "export-wg", "tablet", "--json"];
  const tablet = JSON.parse((await a.ok(tabletArgs)).stdout) as {
    admitted: boolean;
    interface: string | null;
    config: string;
  };
  assert.equal(tablet.admitted, true);
  assert.equal(tablet.interface, a.ifname);
  const tabletPrivate = /^PrivateKey = (.+)$/m.exec(tablet.config)![1].trim();
  const tabletKey = (await sh("wg", ["pubkey"], `${tabletPrivate}\n`)).trim();
  assert.ok((await a.wgDump())!.peers.some((p) => p.publicKey === tabletKey));
});
