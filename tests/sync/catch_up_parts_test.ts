/**
 * @module catch_up_parts_test
 * A device behind a compaction of a state past one checkpoint's bounds (64
 * MiB: src/log/checkpoint_format.ts) catches up in one round: the peer sends
 * its state as a checkpoint in parts (src/log/checkpoint_parts.ts) in the
 * sync session, as pairing does. Before, the sender failed every round with
 * `checkpoint_too_large` ("Cannot make a checkpoint: the state is larger
 * than a checkpoint may be"), and the device never caught up.
 *
 * Real processes on 127.0.0.1: alpha and beta pair; beta's home is copied
 * aside (a backup); alpha writes the state, beta syncs it, alpha compacts
 * every entry beta acknowledged (`sync compact --keep 0`); beta is restored
 * from the backup, so alpha's chain starts past where beta's ends. The
 * first test is at the real size (about 68 MB of preferences); the second
 * lowers the single-checkpoint limit through the test knob
 * MYCEL_TEST_CHECKPOINT_BYTES (test only: it also sets the size each part
 * is cut at) to check the state digest and the base beta keeps in parts on
 * a ~1.2 MiB state.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { Op } from "../../src/log/ops.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { PART_KNOB } from "../../src/sync/pairing_attempt.ts";
import { type Device, device, pair } from "../pairing/_helpers.ts";

/** `entries` entries of 10 preferences of `bytes` each, written through alpha's home. */
async function state(root: string, entries: number, bytes: number): Promise<void> {
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

async function copyTree(from: string, to: string): Promise<void> {
  const r = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
}

function baseParts(root: string): number {
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
async function behindCompaction(
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

async function caughtUp(a: Device, b: Device, prefs: number, inBase: boolean): Promise<void> {
  const server = await a.serve();
  const round = await b.syncNow();
  assert.equal(round.code, 0, `${round.raw.stderr}\n${round.raw.stdout}`);
  assert.equal(round.outcomes[0]?.status, "synced", round.raw.stdout);
  const [sa, sb] = [await a.status(), await b.status()];
  assert.equal(sb.state_digest, sa.state_digest, "beta holds alpha's state");
  const got = await b.t.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(Object.keys(got).length, prefs);
  await a.stopServer();
  const served = (await server.result()).stderr;
  assert.match(served, /synced with beta \(\w+\): sent \d+ \+ our state in \d+ parts/, served);
  if (inBase) assert.ok(baseParts(b.t.home) >= 2, "beta keeps its base in parts");
}

Deno.test("a device behind a compaction of a state over 64 MiB catches up in one round: the state comes as a checkpoint in parts", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await behindCompaction(a, b, 110, 62_000);
  await caughtUp(a, b, 1100, true);
});

Deno.test("a checkpoint past the single-checkpoint limit goes in parts in a sync session, and the device behind ends with the same state digest", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await behindCompaction(a, b, 30, 4000);
  a.t.defaults.env = { ...a.t.defaults.env, [PART_KNOB]: String(256 << 10) };
  await caughtUp(a, b, 300, false);
});
