/**
 * @module minted_devices_test
 * A stolen member admits a hundred devices it made up (any member may
 * admit), each with 16 endpoints at a third party's address: a listener on
 * 127.0.0.2 that accepts and holds every connection and counts them. The
 * victim, holding those admissions, runs one `sync now`: it dials at most
 * MAX_ROUND_PEERS peers, the device it synced with lately among them, and
 * the third party sees at most that many connections. Before the bound,
 * every round of every device dialled every made-up device (100 here; 4,647
 * connections from one round with 1,000 of them).
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import { generateDeviceKeys } from "../../src/log/identity.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { MAX_ROUND_PEERS } from "../../src/sync/round_peers.ts";
import { devices, freePort } from "./_helpers.ts";

const MINTED = 100;

/** A third party on 127.0.0.2: accepts on `ports`, holds each connection, counts them. */
function thirdParty(ports: number[]) {
  const listeners = ports.map((port) => Deno.listen({ hostname: "127.0.0.2", port }));
  const held: Deno.Conn[] = [];
  const loops = listeners.map(async (l) => {
    try {
      for await (const c of l) held.push(c);
    } catch {
      // closed
    }
  });
  return {
    count: () => held.length,
    async [Symbol.asyncDispose]() {
      for (const l of listeners) l.close();
      await Promise.all(loops);
      for (const c of held) {
        try {
          c.close();
        } catch {
          // the dialler closed it first
        }
      }
    },
  };
}

/** Commit, in `home`, one entry admitting `n` made-up devices, each listing `endpoints`. */
async function mint(home: string, n: number, endpoints: string[]): Promise<void> {
  const records: DeviceRecord[] = [];
  for (let i = 0; i < n; i++) {
    const k = await generateDeviceKeys();
    const key = DeviceKey.of(k.signPublic);
    records.push({
      key,
      id: key.id,
      name: `minted-${i}`,
      noiseKey: toBase64(k.noisePublic),
      wgKey: toBase64(k.wgPublic),
      endpoints,
      ipv4: "",
      wgPort: 51871,
    });
  }
  const h = await Home.open(home, { write: true });
  try {
    await h.write((w) => w.commit(records.map((device) => ({ type: "device.add", device }))));
  } finally {
    h.close();
  }
}

Deno.test("a member admitting 100 made-up devices that point at a third party: one round dials at most MAX_ROUND_PEERS, the active peer first", async () => {
  const ports = Array.from({ length: 16 }, () => freePort());
  await using victimParty = thirdParty(ports);
  await using devs = await devices(["victim", "thief", "third"]);
  const [victim, thief, third] = devs.list;
  await devs.peer(victim, thief);
  await devs.peer(victim, third);
  await victim.serve();
  assert.equal((await third.syncAll()).of(victim).status, "synced");
  assert.equal((await thief.syncNow()).of(victim).status, "synced");
  await mint(thief.home, MINTED, ports.map((p) => `127.0.0.2:${p}`));
  assert.equal((await thief.syncNow()).of(victim).status, "synced");
  await victim.stopServer();
  const before = victimParty.count(); // the thief's own round dialled them too

  await third.write("pref", "set", "from.third", "1");
  await third.serve();
  const round = await victim.syncNow([], 3);
  assert.equal(round.of(third).status, "synced", "the device seen lately is dialled first");
  assert.ok(
    round.outcomes.length <= MAX_ROUND_PEERS,
    `${round.outcomes.length} peers dialled in one round`,
  );
  const got = victimParty.count() - before;
  assert.ok(got <= MAX_ROUND_PEERS, `the third party got ${got} connections from one round`);
  assert.equal(
    await victim.tmp.json<string>(["pref", "get", "from.third", "--json"]),
    "1",
  );
});
