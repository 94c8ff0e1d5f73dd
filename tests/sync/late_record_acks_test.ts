/**
 * @module late_record_acks_test
 * A session's record written after a newer one of the same peer (it waited
 * for the write lock: `sync serve --listen` writes it once the lock is free,
 * `sync now` once every peer of its round is done, and another process may
 * record a later session meanwhile) never claims the peer holds what the
 * newer record says it no longer does. What a peer holds (book.heads) feeds
 * compaction (src/sync/acks.ts, src/log/stability.ts): a peer restored from
 * a backup reports less than before, and the older record, applied last,
 * put its larger heads back. Each record now carries when its session ended;
 * heads older than the peer's last seen session are not taken.
 *
 * A real home (SQLite in a temporary folder, src/sync/bookkeeping.ts
 * `recordOutcome` in real write transactions); the two outcomes are built by
 * hand, as the sessions would have left them.
 */

import assert from "node:assert/strict";
import type { DeviceKey } from "../../src/log/device_key.ts";
import { recordOutcome } from "../../src/sync/bookkeeping.ts";
import type { SessionOutcome } from "../../src/sync/peer_session_types.ts";
import { MemMesh, T0 } from "./_mem_mesh.ts";

function outcome(peer: DeviceKey, author: DeviceKey, seq: number, now: number): SessionOutcome {
  return {
    peer,
    name: "d1",
    path: "tcp",
    status: "synced",
    live: true,
    exchange: {
      idle: false,
      sent: 0,
      sentCheckpoint: false,
      more: false,
      peer: { now, ports: [], observed: "", seen: [], mesh: "memmesh", abilities: 0 },
      peerMore: false,
      newer: [],
      sentUpTo: new Map(),
      headsSent: 1,
      reported: new Map([[author, { seq, hash: new Uint8Array(32) }]]),
    },
  } as unknown as SessionOutcome;
}

Deno.test("a peer's session recorded after a newer one of it does not put back heads the newer one says it no longer holds", async () => {
  await using mesh = await MemMesh.create(2);
  await mesh.peerAll();
  const [d0, d1] = mesh.devices;
  const home = d0.home;
  mesh.now = T0 + 10_000;
  // The newer session (ended at +5 s): d1, restored from a backup, holds 2 of its chain.
  await home.write((w) =>
    recordOutcome(home, w, outcome(d1.home.device, d1.home.device, 2, mesh.now), false, T0 + 5_000)
  );
  // The older one (ended at +1 s, when d1 held 9), recorded only now.
  await home.write((w) =>
    recordOutcome(home, w, outcome(d1.home.device, d1.home.device, 9, mesh.now), false, T0 + 1_000)
  );
  const book = home.local.peer(d1.home.device);
  assert.equal(book.heads[d1.home.device.hex], 2, JSON.stringify(book.heads));
  assert.equal(book.lastSeen, T0 + 5_000, "the peer was last seen in the newer session");
  // A record of a session after both is taken as always.
  await home.write((w) =>
    recordOutcome(home, w, outcome(d1.home.device, d1.home.device, 3, mesh.now), false, T0 + 6_000)
  );
  assert.equal(home.local.peer(d1.home.device).heads[d1.home.device.hex], 3);
});
