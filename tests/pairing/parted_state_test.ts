/**
 * @module parted_state_test
 * A state larger than one checkpoint may be (64 MiB: src/log/checkpoint.ts)
 * pairs a new device through a checkpoint in parts
 * (src/log/checkpoint_parts.ts): a signed head, then parts checked against
 * it and folded into the new home one at a time. Before parts, such an
 * inviter said "Cannot make a checkpoint: the state is larger than a
 * checkpoint may be" and no device could pair. Here the single-checkpoint
 * limit is lowered through the test knob (MYCEL_TEST_CHECKPOINT_BYTES, also
 * the size each part is cut at) so a ~1.2 MiB state takes the parted path;
 * docs/sync_protocol.md ("Checkpoints in parts") has a run at the real size.
 * Real processes on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { Home } from "../../src/storage/home_handle.ts";
import type { Op } from "../../src/log/ops.ts";
import { PART_KNOB } from "../../src/sync/pairing_attempt.ts";
import { type Device, device, pair } from "./_helpers.ts";

/** 20 entries of 15 preferences of ~4 kB, and a few config keys and apps. */
async function state(root: string): Promise<void> {
  using home = await Home.open(root, { write: true });
  for (let e = 0; e < 20; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 15; i++) {
      ops.push({ type: "pref.set", key: `p.${e}.${i}`, value: `${"v".repeat(4000)}${e}.${i}` });
    }
    await home.write((w) => w.commit(ops));
  }
}

Deno.test("pairing: a state over the single-checkpoint limit pairs a new device in parts, which ends with the same state digest", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await a.init();
  await a.t.ok(["config", "set", "editor.theme", '"dark"']);
  await a.t.ok(["app", "add", "ripgrep"]);
  await state(a.t.home);
  a.t.defaults.env = { ...a.t.defaults.env, [PART_KNOB]: String(256 << 10) };

  const p = await pair(a.t, b.t, "beta");
  const parts = Number(p.inviter.stderr.match(/sending the mesh's state in (\d+) parts/)?.[1]);
  assert.ok(parts >= 4, `the state went in parts:\n${p.inviter.stderr}`);
  // Straight away, from an estimate: before, it first made a whole checkpoint
  // (up to 64 MiB of rows held) only to find it too large.
  assert.match(
    p.inviter.stderr,
    /its estimate \(\d+ bytes, \d+ items\) is past one checkpoint's bounds/,
  );
  // The joiner's own first entry is all the inviter lacks: one round, then
  // both hold the same replicated state.
  await a.serve();
  const round = await b.syncNow();
  assert.equal(round.code, 0, round.raw.stderr);
  const [sa, sb] = [await a.status(), await b.status()];
  assert.equal(sb.state_digest, sa.state_digest, "the same state digest");
  const prefs = await b.t.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(Object.keys(prefs).length, 300);
  assert.deepEqual(prefs, await a.t.json(["pref", "list", "--json"]), "the same preferences");
});

/** `doctor --json`'s "log" finding (the database and every stored entry). */
async function logFinding(d: Device): Promise<{ ok: boolean; detail: string }> {
  const r = await d.t.run(["doctor", "--json"]);
  const report = JSON.parse(r.stdout) as {
    findings: { check: string; ok: boolean; detail: string }[];
  };
  return report.findings.find((f) => f.check === "log")!;
}

Deno.test("a device paired from parts: doctor and repair find nothing wrong in its base, and repair after real damage keeps the state it took in parts", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await a.init();
  await state(a.t.home);
  a.t.defaults.env = { ...a.t.defaults.env, [PART_KNOB]: String(256 << 10) };
  await pair(a.t, b.t, "beta");
  const digest = (await b.status()).state_digest;

  // Before, the base in parts read as a damaged checkpoint: doctor said
  // "Run `mycel repair`", and repair rebuilt the home without it (every
  // preference and the inviter itself gone).
  const log = await logFinding(b);
  assert.ok(log.ok, log.detail);
  const intact = await b.t.json<{ damage: string[]; set_aside: string | null }>([
    "repair",
    "--json",
  ]);
  assert.deepEqual(intact.damage, []);
  assert.equal(intact.set_aside, null);
  assert.equal((await b.status()).state_digest, digest, "repair changed nothing");

  // Real damage: the joiner's own entry (the inviter holds it after a round).
  await a.serve();
  assert.equal((await b.syncNow()).code, 0);
  {
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(`${b.t.home}/mycel.db`);
    const mine = db.prepare(
      "SELECT author, seq, bytes FROM entries WHERE author = (SELECT v FROM meta WHERE k = 'device')",
    ).all() as { author: Uint8Array; seq: number; bytes: Uint8Array }[];
    assert.ok(mine.length > 0, "the joiner's own entries are in its database");
    const bytes = Uint8Array.from(mine[0].bytes);
    bytes[bytes.length - 1] ^= 1;
    db.prepare("UPDATE entries SET bytes = ? WHERE author = ? AND seq = ?")
      .run(bytes, mine[0].author, mine[0].seq);
    db.close();
  }
  const repaired = await b.t.json<{ damage: string[]; set_aside: string | null }>([
    "repair",
    "--json",
  ]);
  assert.ok(repaired.damage.length > 0 && repaired.set_aside !== null, JSON.stringify(repaired));
  const prefs = await b.t.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(Object.keys(prefs).length, 300, "the preferences taken in parts are still here");
  assert.ok((await logFinding(b)).ok, "the rebuilt home is intact");
  const round = await b.syncNow();
  assert.equal(round.code, 0, round.raw.stderr);
  assert.equal((await b.status()).state_digest, (await a.status()).state_digest);

  // A part of the base lost is damage to name, as an unreadable base is.
  {
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(`${b.t.home}/mycel.db`);
    assert.ok(db.prepare("DELETE FROM base_parts WHERE n = 1").run().changes === 1);
    db.close();
  }
  assert.match(
    (await logFinding(b)).detail,
    /the checkpoint this home started from cannot be read back/,
  );
});
