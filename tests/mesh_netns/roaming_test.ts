/**
 * A laptop's address changes. After its next round (which sets its peers'
 * endpoints again: wireguard-go otherwise keeps sending from the old
 * address), its peer's WireGuard learns the new endpoint by itself (roaming); `mesh up` and the apply after each `sync now` keep
 * that fresher endpoint instead of writing the stale record back; `doctor`
 * reports the peer reachable over the tunnel, not unreachable; and the
 * endpoint the tunnel last worked at is remembered and tried first when the
 * interface is made again, while the peer's record still names the old
 * address.
 */

import assert from "node:assert/strict";
import { Home } from "../../src/storage/home_handle.ts";
import { describe } from "../helpers/mycel.ts";
import { labTest, meshOf, sh } from "./_netns.ts";

const MOVED = "198.18.0.12";

interface UpJson {
  created: boolean;
  endpoints: { device: string; endpoint: string | null; reason: string }[];
}

labTest(
  "mesh: a roamed endpoint survives mesh up and sync, doctor sees the peer, last good goes first",
  {
    nodes: ["a", "b"],
  },
  async (lab) => {
    await meshOf(lab, "star");
    const [a, b] = lab.nodes;
    const bKey = (await b.wgDump())!.publicKey;
    const bId = (await b.status()).device.id;
    const [aIp, bIp] = [await a.meshIpv4(), await b.meshIpv4()];
    const endpointOfB = async () =>
      (await a.wgDump())!.peers.find((p) => p.publicKey === bKey)!.endpoint;
    assert.equal(await endpointOfB(), `${b.ip}:51871`);

    // b moves to another address on the same link. wireguard-go keeps sending
    // from the old address until b's next apply (the end of its round) resets it.
    await b.underlay("down");
    await sh("ip", ["-n", b.ns, "address", "del", `${b.ip}/24`, "dev", "eth0"]);
    await sh("ip", ["-n", b.ns, "address", "add", `${MOVED}/24`, "dev", "eth0"]);
    await b.underlay("up");
    const bRound = await b.syncNow(8);
    assert.equal(bRound.result.code, 0, describe(["sync", "now"], bRound.result));
    assert.ok(await b.waitPing(aIp), "b cannot reach a from its new address after its round");
    assert.equal(await endpointOfB(), `${MOVED}:51871`, "a's WireGuard did not roam");

    const up = await a.json<UpJson>(["--no-sync", "mesh", "up", "--interface", a.ifname, "--json"]);
    assert.equal(await endpointOfB(), `${MOVED}:51871`, "mesh up wrote the stale endpoint back");
    assert.deepEqual(up.endpoints, [{
      device: bId,
      endpoint: `${MOVED}:51871`,
      reason: "wireguard",
    }]);

    // A round: sync still goes through the tunnel, and the apply after it keeps the endpoint.
    const round = await a.syncNow(6);
    assert.equal(round.result.code, 0, describe(["sync", "now"], round.result));
    assert.equal(round.lines[0].path, "mesh", round.result.stdout);
    assert.equal(await endpointOfB(), `${MOVED}:51871`, "the post-round apply moved the endpoint");

    // doctor: reachable over the mesh (b's recorded endpoint is stale), with the tunnel's facts.
    const doctor = await a.run(["doctor", "--json"]);
    const peer = JSON.parse(doctor.stdout).findings.find((f: { check: string }) =>
      f.check === "peer"
    );
    assert.equal(peer.ok, true, JSON.stringify(peer));
    assert.match(
      peer.detail,
      new RegExp(
        `^b reachable over the mesh at ${
          bIp.replaceAll(".", "\\.")
        }:7000: sync handshake answered ` +
          `\\(WireGuard handshake \\d+s ago at ${MOVED.replaceAll(".", "\\.")}:51871\\)$`,
      ),
    );

    // a remembers where b's tunnel worked...
    const home = await Home.open(a.home, { write: false, env: () => undefined });
    const bDevice = home.view.members().find((m) => m.record.id === bId)!.record.key;
    const remembered = home.local.peer(bDevice).wgEndpoints ?? {};
    home.close();
    assert.ok(`${MOVED}:51871` in remembered, JSON.stringify(remembered));
    // b keeps its own record current (its round signed the new address)...
    assert.ok((await b.status()).device.endpoints.some((e) => e.startsWith(`${MOVED}:`)));
    // ...and a tries the remembered endpoint first when its interface is made again.
    await a.ok(["--no-sync", "mesh", "down", "--interface", a.ifname]);
    const again = await a.json<UpJson>([
      "--no-sync",
      "mesh",
      "up",
      "--interface",
      a.ifname,
      "--json",
    ]);
    assert.equal(again.created, true);
    assert.deepEqual(again.endpoints, [{
      device: bId,
      endpoint: `${MOVED}:51871`,
      reason: "first",
    }]);
    assert.ok(await a.waitPing(bIp), "a cannot reach b at the remembered endpoint");
  },
);
