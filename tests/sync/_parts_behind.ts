/**
 * @module _parts_behind
 * Two real devices, one behind a compaction of the other's state (tests of a
 * checkpoint in parts in a sync session): alpha and beta pair; beta's home is
 * copied aside (a backup); alpha writes the state through its home, beta
 * syncs it, alpha compacts every entry beta acknowledged (`sync compact
 * --keep 0`), and beta is restored from the backup, so alpha's chain starts
 * past where beta's ends: beta can only catch up from alpha's checkpoint.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { Op } from "../../src/log/ops.ts";
import { Home } from "../../src/storage/home_handle.ts";
import type { SessionOutcome } from "../../src/sync/peer_session_types.ts";
import { syncPeer } from "../../src/sync/round.ts";
import type { SessionTuning } from "../../src/sync/session_bounds.ts";
import { type Device, pair } from "../pairing/_helpers.ts";

/** `entries` entries of 10 preferences of `bytes` each, written through alpha's home. */
export async function state(root: string, entries: number, bytes: number): Promise<void> {
  using home = await Home.open(root, { write: true });
  const value = "v".repeat(bytes);
  for (let e = 0; e < entries; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 10; i++) {
      ops.push({ type: "pref.set", key: `p.${e}.${i}`, value: `${value}${e}.${i}` });
    }
    await home.write((w) => w.commit(ops));
  }
}

export async function copyTree(from: string, to: string): Promise<void> {
  const r = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
}

export function baseParts(root: string): number {
  const db = new DatabaseSync(`${root}/mycel.db`, { readOnly: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'base_parts'").get();
    if (table === undefined) return 0;
    return (db.prepare("SELECT count(*) AS n FROM base_parts").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Alpha holding `entries` × 10 preferences, beta restored to before them and alpha compacted. */
export async function behindCompaction(
  a: Device,
  b: Device,
  entries: number,
  bytes: number,
): Promise<void> {
  await a.init();
  await pair(a.t, b.t, "beta");
  await copyTree(b.t.home, b.t.path("backup"));
  await state(a.t.home, entries, bytes);
  // One session carries it all (the default budget is 64 MiB of entries).
  a.t.defaults.env = { ...a.t.defaults.env, MYCEL_SESSION_BUDGET: String(1 << 30) };
  await a.serve();
  const got = await b.syncNow();
  assert.equal(got.code, 0, got.raw.stderr);
  await a.stopServer();
  const compacted = await a.t.json<{ dropped: number }>([
    "sync",
    "compact",
    "--keep",
    "0",
    "--json",
  ]);
  assert.ok(
    compacted.dropped >= entries,
    `alpha compacted what beta holds: ${JSON.stringify(compacted)}`,
  );
  await Deno.remove(b.t.home, { recursive: true });
  await copyTree(b.t.path("backup"), b.t.home);
}

/**
 * One round from `from`'s home, in this process, to `to`'s serve on
 * loopback, with `tuning` (abilities to claim, part sizes), a deadline
 * (default 15 s) and `signal` (hangs up: the connection closed at once).
 */
export async function roundTo(
  from: Device,
  to: Device,
  o: { tuning?: SessionTuning; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<SessionOutcome> {
  using home = await Home.open(from.t.home, { write: true });
  const peer = home.view.members().find((m) => m.record.name === to.name)!.record;
  return await syncPeer(
    home,
    await home.noiseKeys(),
    peer,
    [{ host: "127.0.0.1", port: to.port, path: "direct" }],
    {
      now: () => Date.now(),
      env: () => undefined,
      timeoutMs: o.timeoutMs ?? 15_000,
      ...(o.tuning ? { tuning: o.tuning } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    },
    [],
  );
}
