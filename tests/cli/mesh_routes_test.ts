/**
 * @module mesh_routes_test
 * `sync now` dials a peer's mesh address only where that peer's own tunnel
 * carries it: a timed-out connect there is taken as the tunnel being silent
 * (src/mesh/silent_tunnel.ts), which lets hints move the live tunnel. A mesh
 * IPv4 another member won (admitted earlier, same address) is routed to that
 * member, who could drop our connect on purpose: no mesh route then, with or
 * without `wg show`; nor to an address the peer's tunnel does not list.
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import { meshRoutes } from "../../src/cli/routes.ts";
import type { MeshView } from "../../src/cli/mesh_view.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import type { WgDumpPeer } from "../../src/mesh/wg_dump.ts";
import type { Home } from "../../src/storage/home_handle.ts";
import { testKeys } from "../log/helpers.ts";
import { makeHome } from "../storage/helpers.ts";

const SHARED = "100.64.0.7";

async function member(home: Home, index: number, ipv4: string): Promise<DeviceRecord> {
  const keys = (await testKeys(index + 1))[index];
  const key = DeviceKey.of(keys.signPublic);
  const record: DeviceRecord = {
    key,
    id: key.id,
    name: `m${index}`,
    noiseKey: toBase64(keys.noisePublic),
    wgKey: toBase64(keys.wgPublic),
    endpoints: [`10.0.0.${index + 10}:7000`],
    ipv4,
    wgPort: 51871,
  };
  await home.write((w) => w.commit([{ type: "device.add", device: record }]));
  return record;
}

function tunnel(record: DeviceRecord, allowedIps: string[], nowMs: number): WgDumpPeer {
  return {
    publicKey: record.wgKey,
    hasPresharedKey: false,
    endpoint: "192.0.2.1:51871",
    allowedIps,
    latestHandshake: Math.floor(nowMs / 1000) - 10,
    rxBytes: 1,
    txBytes: 1,
    persistentKeepalive: 25,
  };
}

function view(peers: WgDumpPeer[] | undefined): () => Promise<MeshView> {
  const dump = peers === undefined ? undefined : {
    interface: { publicKey: null, listenPort: 51871, fwmark: null },
    peers,
  };
  return () => Promise.resolve(dump === undefined ? { up: true } : { up: true, dump });
}

const paths = async (
  routes: (p: DeviceRecord, h: Home) => Promise<{ path: string; host: string }[]>,
  peer: DeviceRecord,
  home: Home,
) => (await routes(peer, home)).map((r) => `${r.path} ${r.host}`);

Deno.test("sync now dials a peer's mesh address only through its own tunnel: never one another member won, nor one its tunnel does not carry", async () => {
  await using t = await makeHome(0);
  const home = await t.writer();
  try {
    t.now += 1000;
    const keeper = await member(home, 1, SHARED);
    t.now += 1000;
    const loser = await member(home, 2, SHARED);
    const other = await member(home, 3, "100.64.0.9");
    await home.write((w) =>
      w.setLocal("mesh", { interface: "mycel0", port: 51871, backend: "kernel" })
    );
    const now = () => t.now;
    // As mesh apply plans it: the shared /32 goes to the keeper only.
    const dump = [
      tunnel(keeper, [`${SHARED}/32`], t.now),
      tunnel(loser, [], t.now),
      tunnel(other, [], t.now), // an interface not applied since 100.64.0.9 was claimed
    ];
    for (const peers of [dump, undefined]) {
      const routes = meshRoutes(now, view(peers));
      assert.equal((await paths(routes, keeper, home))[0], `mesh ${SHARED}`);
      assert.deepEqual(await paths(routes, loser, home), ["direct 10.0.0.12"]);
    }
    assert.deepEqual(await paths(meshRoutes(now, view(dump)), other, home), [
      "direct 10.0.0.13",
    ]);
  } finally {
    home.close();
  }
});
