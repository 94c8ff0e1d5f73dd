/**
 * @module finding_peers_test
 * How a device keeps finding its peers, in-process on a real home: its own
 * record follows its addresses (one signed update per change, nothing when
 * nothing moved); a synced session remembers where it worked — the address
 * dialled, or the caller's source address at the port its `hi` names — and
 * rounds try that first; what a peer's WireGuard saw of other members
 * becomes a hint for ours (unless it points where no NAT maps a peer), and
 * what it relayed is noted per author; a
 * session with a device of a smaller mesh id moves this home into it; and
 * what we tell a peer is only other members' endpoints seen alive lately.
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import { recordOutcome } from "../../src/sync/bookkeeping.ts";
import type { ExchangeResult } from "../../src/sync/exchange_types.ts";
import { meshUlaCidr } from "../../src/mesh/addresses.ts";
import { seenFor } from "../../src/sync/nat_hints.ts";
import {
  ABILITIES_KEY,
  decodeSyncMessage,
  encodeSyncMessage,
  OUR_ABILITIES,
  type SyncMessage,
} from "../../src/protocol/sync_messages.ts";
import type { SessionOutcome } from "../../src/sync/peer_session_types.ts";
import { directRoutes } from "../../src/sync/peer_routes.ts";
import { refreshSelfRecord } from "../../src/sync/self_record.ts";
import type { Home } from "../../src/storage/home_handle.ts";
import { testKeys } from "../log/helpers.ts";
import { makeHome } from "../storage/helpers.ts";

const eth = (address: string) => [{ name: "eth0", family: "IPv4", address }];

async function member(home: Home, index: number, name: string): Promise<DeviceRecord> {
  const keys = (await testKeys(index + 1))[index];
  const key = DeviceKey.of(keys.signPublic);
  const record: DeviceRecord = {
    key,
    id: key.id,
    name,
    noiseKey: toBase64(keys.noisePublic),
    wgKey: toBase64(keys.wgPublic),
    endpoints: [`10.0.0.${index + 10}:7000`],
    ipv4: "",
    wgPort: 51871,
  };
  await home.write((w) => w.commit([{ type: "device.add", device: record }]));
  return record;
}

function exchange(
  o: Partial<ExchangeResult["peer"]> = {},
  newer: DeviceKey[] = [],
): ExchangeResult {
  return {
    idle: true,
    sent: 0,
    sentCheckpoint: false,
    more: false,
    peer: { now: 0, ports: [], observed: "", seen: [], mesh: "testmesh", ...o },
    peerMore: false,
    newer,
    sentUpTo: new Map(),
    headsSent: 0,
  };
}

function synced(peer: DeviceRecord, o: Partial<SessionOutcome>): SessionOutcome {
  return { peer: peer.key, name: peer.name, status: "synced", path: "direct", live: true, ...o };
}

Deno.test("a device's own record follows its addresses: one update per move, none when still", async () => {
  await using t = await makeHome(0);
  const home = await t.writer();
  try {
    const count = () => home.log.count();
    const before = count();
    assert.deepEqual(await refreshSelfRecord(home, eth("10.0.0.5")), {
      endpoints: ["10.0.0.5:7850"],
    });
    assert.equal(count(), before + 1);
    assert.deepEqual(await refreshSelfRecord(home, eth("10.0.0.5")), {});
    assert.equal(count(), before + 1, "nothing moved, nothing signed");
    assert.deepEqual(await refreshSelfRecord(home, eth("10.0.0.9")), {
      endpoints: ["10.0.0.9:7850"],
    });
    // A listener on another port moves the advertised port with it.
    assert.deepEqual(await refreshSelfRecord(home, eth("10.0.0.9"), 7000), {
      endpoints: ["10.0.0.9:7000"],
    });
    assert.deepEqual(home.view.member(home.device)!.record.endpoints, ["10.0.0.9:7000"]);
  } finally {
    home.close();
  }
});

Deno.test("a synced session remembers where it worked; rounds dial there first", async () => {
  await using t = await makeHome(0);
  const home = await t.writer();
  try {
    const b = await member(home, 1, "b");
    t.now += 1000;
    await home.write((w) =>
      recordOutcome(home, w, synced(b, { address: "10.9.9.9:7000", exchange: exchange() }), true)
    );
    t.now += 1000;
    // b called us from 10.8.8.8 (any source port) and accepts sync on 7001.
    await home.write((w) =>
      recordOutcome(
        home,
        w,
        synced(b, {
          path: "tcp",
          address: "10.8.8.8:53211",
          exchange: exchange({ ports: [7001] }),
        }),
      )
    );
    // Through the tunnel is no endpoint of b's; a caller without a port says nothing.
    t.now += 1000;
    await home.write((w) => {
      recordOutcome(
        home,
        w,
        synced(b, { path: "mesh", address: "100.64.0.9:7000", exchange: exchange() }),
        true,
      );
      recordOutcome(
        home,
        w,
        synced(b, { path: "tcp", address: "10.7.7.7:5", exchange: exchange() }),
      );
    });
    const book = home.local.peer(b.key);
    assert.deepEqual(Object.keys(book.reachAt ?? {}).sort(), ["10.8.8.8:7001", "10.9.9.9:7000"]);
    assert.deepEqual(
      directRoutes(b, book, t.now).map((r) => `${r.host}:${r.port}`),
      ["10.8.8.8:7001", "10.9.9.9:7000", "10.0.0.11:7000"],
    );
    // A week later, old successes no longer jump the queue.
    assert.deepEqual(
      directRoutes(b, book, t.now + 8 * 24 * 3600_000).map((r) => `${r.host}:${r.port}`),
      ["10.0.0.11:7000"],
    );
  } finally {
    home.close();
  }
});

Deno.test("hints, relays and mesh ids from a peer's hi are noted; only members, never about us", async () => {
  await using t = await makeHome(0);
  const home = await t.writer();
  try {
    const [b, c] = [await member(home, 1, "b"), await member(home, 2, "c")];
    const stranger = DeviceKey.of(new Uint8Array(32).fill(7));
    const seen = [
      { device: c.key, endpoint: "203.0.113.5:40001" },
      { device: home.device, endpoint: "203.0.113.6:1" },
      { device: stranger, endpoint: "203.0.113.7:1" },
    ];
    await home.write((w) =>
      recordOutcome(
        home,
        w,
        synced(b, { exchange: exchange({ seen, mesh: "aaaa" }, [c.key]) }),
        true,
      )
    );
    const hint = home.local.peer(c.key).wgHint;
    assert.deepEqual(hint, { endpoint: "203.0.113.5:40001", at: t.now, via: b.key.hex });
    assert.equal(home.local.peer(home.device).wgHint, undefined);
    assert.equal(home.local.peer(stranger).wgHint, undefined);
    assert.deepEqual(home.local.peer(c.key).relay, { via: b.key.hex, at: t.now });
    assert.equal(home.meshId, "aaaa", "moved to the smaller mesh id");
    // A larger one changes nothing.
    await home.write((w) =>
      recordOutcome(home, w, synced(b, { exchange: exchange({ mesh: "zzzz" }) }), true)
    );
    assert.equal(home.meshId, "aaaa");
  } finally {
    home.close();
  }
});

Deno.test("a hint pointing where no NAT maps a peer (loopback, link-local, the mesh, an unknown private host) is not noted", async () => {
  await using t = await makeHome(0);
  const home = await t.writer();
  try {
    const [b, c] = [await member(home, 1, "b"), await member(home, 2, "c")];
    const ula = meshUlaCidr(home.meshId).split("/")[0]; // e.g. fd12:3456:789a::
    const told = async (endpoint: string) => {
      await home.write((w) => w.peer(c.key, (x) => delete x.wgHint));
      const seen = [{ device: c.key, endpoint }];
      await home.write((w) =>
        recordOutcome(home, w, synced(b, { exchange: exchange({ seen }) }), true)
      );
      return home.local.peer(c.key).wgHint?.endpoint;
    };
    for (
      const refused of [
        "127.0.0.1:51871",
        "127.3.2.1:9",
        "0.0.0.0:51871",
        "169.254.10.1:51871",
        "224.0.0.1:51871",
        "255.255.255.255:51871",
        "100.64.3.4:51871", // the mesh's IPv4 range
        `[${ula}1]:51871`, // this mesh's IPv6 /48
        "[::1]:51871",
        "[fe80::1]:51871",
        "[::ffff:127.0.0.1]:51871",
        "192.168.1.1:53", // a LAN host c is not known at
        "10.9.9.9:51871",
      ]
    ) assert.equal(await told(refused), undefined, refused);
    // A public address (a NAT's mapping), or a private one c's record names, is noted.
    assert.equal(await told("203.0.113.5:40001"), "203.0.113.5:40001");
    assert.equal(await told("10.0.0.12:51871"), "10.0.0.12:51871");
    assert.equal(await told("[2001:db8::5]:40001"), "[2001:db8::5]:40001");
  } finally {
    home.close();
  }
});

Deno.test("what we tell a peer: other members' WireGuard endpoints seen alive in the last 3 minutes", async () => {
  await using t = await makeHome(0);
  const home = await t.writer();
  try {
    const [b, c, d] = [
      await member(home, 1, "b"),
      await member(home, 2, "c"),
      await member(home, 3, "d"),
    ];
    await home.write((w) => {
      w.peer(b.key, (x) => x.wgEndpoints = { "198.51.100.2:51871": t.now - 10_000 });
      w.peer(
        c.key,
        (x) =>
          x.wgEndpoints = { "198.51.100.3:2": t.now - 60_000, "198.51.100.3:3": t.now - 5_000 },
      );
      w.peer(d.key, (x) => x.wgEndpoints = { "198.51.100.4:51871": t.now - 200_000 });
    });
    assert.deepEqual(seenFor(home, b.key, t.now), [{ device: c.key, endpoint: "198.51.100.3:3" }]);
    assert.deepEqual(
      // In key order, which is not the order of the names.
      seenFor(home, d.key, t.now).map((s) => s.endpoint).sort(),
      ["198.51.100.2:51871", "198.51.100.3:3"],
    );
  } finally {
    home.close();
  }
});

Deno.test("a dialled connect through the tunnel that timed out is noted as silence; a live session through the tunnel since ends it; one it dialled in does not", async () => {
  await using t = await makeHome(0);
  const home = await t.writer();
  try {
    const b = await member(home, 1, "b");
    const unreachable: SessionOutcome = {
      peer: b.key,
      name: "b",
      status: "unreachable",
      path: "direct",
      live: false,
      error: "timed out",
      tunnelSilent: true,
    };
    t.now += 1000;
    await home.write((w) => recordOutcome(home, w, unreachable, true));
    assert.equal(home.local.peer(b.key).tunnelSilentAt, t.now);
    // A session it dialled in, and a failed one of ours, leave the note.
    await home.write((w) => recordOutcome(home, w, { ...unreachable, tunnelSilent: undefined }));
    await home.write((w) =>
      recordOutcome(home, w, synced(b, { path: "tcp", exchange: exchange() }))
    );
    assert.equal(home.local.peer(b.key).tunnelSilentAt, t.now);
    // The next round synced through the tunnel: nothing left to act on.
    t.now += 10_000;
    await home.write((w) =>
      recordOutcome(home, w, synced(b, { path: "mesh", exchange: exchange() }), true)
    );
    assert.equal(home.local.peer(b.key).tunnelSilentAt, undefined);
  } finally {
    home.close();
  }
});

Deno.test("what we tell a peer leaves out a member admitted under the abilities' key, so our hi still encodes", async () => {
  // A member may admit a device under any 32 bytes, these too, and give it a
  // WireGuard key it holds: once its tunnel was seen alive, every hi of ours
  // listed it where the abilities go, and its encoder refused it ('seen item
  // malformed'): this device could sync with no one.
  await using t = await makeHome(0);
  const home = await t.writer();
  try {
    const b = await member(home, 1, "b");
    const keys = (await testKeys(3))[2];
    const record: DeviceRecord = {
      key: ABILITIES_KEY,
      id: ABILITIES_KEY.id,
      name: "made-up",
      noiseKey: toBase64(keys.noisePublic),
      wgKey: toBase64(keys.wgPublic),
      endpoints: ["10.0.0.20:7000"],
      ipv4: "",
      wgPort: 51871,
    };
    await home.write((w) => w.commit([{ type: "device.add", device: record }]));
    assert.ok(home.view.member(ABILITIES_KEY), "the made-up device is a member");
    await home.write((w) => {
      w.peer(ABILITIES_KEY, (x) => x.wgEndpoints = { "198.51.100.9:51871": t.now - 1_000 });
    });
    const seen = seenFor(home, b.key, t.now);
    assert.deepEqual(seen, []);
    const hi: SyncMessage = {
      type: "hi",
      now: t.now,
      digest: new Uint8Array(16),
      ports: [],
      observed: "",
      seen,
      mesh: "testmesh",
      abilities: OUR_ABILITIES,
    };
    assert.equal((decodeSyncMessage(encodeSyncMessage(hi)) as typeof hi).abilities, OUR_ABILITIES);
  } finally {
    home.close();
  }
});
