/**
 * @module compact_test
 * `mycel sync retention` and `mycel sync compact` as a user runs them, on a
 * device alone in its mesh (everything it holds, every device holds):
 * - the retention is 90 days until set; it takes whole days or `never`, and
 *   refuses anything else with a usage error that changes nothing;
 * - `--dry-run` says what would go and drops nothing; compacting then drops
 *   it, the state digest does not move, and `mycel log` says where the
 *   device's history starts and when it was compacted, and `status` how
 *   many of its entries a checkpoint holds;
 * - with `never`, nothing is compacted.
 */

import assert from "node:assert/strict";
import { describe, type LogEntryJson, type StatusJson, tempHome } from "../helpers/mycel.ts";

interface CompactJson {
  keep_days: number | null;
  dry_run: boolean;
  dropped: number;
  chains: { id: string; name: string; from: number; to: number }[];
}

Deno.test("sync retention shows 90 days until set, takes days or never, and refuses anything else", async () => {
  await using h = await tempHome("mycel-retention-");
  await h.ok(["init", "--name", "solo"]);
  assert.deepEqual(await h.json(["sync", "retention", "--json"]), { days: 90 });
  assert.equal(
    (await h.ok(["sync", "retention", "30"])).stdout,
    "this device keeps 30 days of history\n",
  );
  assert.deepEqual(await h.json(["sync", "retention", "--json"]), { days: 30 });
  for (const bad of ["-1", "1.5", "forever", "36501", ""]) {
    const r = await h.run(["sync", "retention", bad]);
    assert.equal(r.code, 2, describe(["sync", "retention", bad], r));
    assert.match(r.stderr, /whole number of days from 0 to 36500, or never/);
    assert.match(
      r.stderr,
      /\nhint: Give days as digits, such as 90 \(or never: keep every change\)/,
    );
  }
  assert.deepEqual(await h.json(["sync", "retention", "--json"]), { days: 30 });
  await h.ok(["sync", "retention", "never"]);
  assert.match((await h.ok(["sync", "retention"])).stdout, /keeps its whole history/);
  assert.match((await h.ok(["sync", "compact"])).stdout, /keeps its whole history/);
});

Deno.test("sync compact drops what every device holds, keeps the state, and mycel log says where history starts", async () => {
  await using h = await tempHome("mycel-compact-");
  await h.ok(["init", "--name", "solo"]);
  for (let i = 0; i < 5; i++) await h.ok(["--no-sync", "pref", "set", `k${i}`, `v${i}`]);
  const before = await h.json<StatusJson>(["status", "--json"]);
  const entries = (await h.json<LogEntryJson[]>(["log", "--json"])).length;
  assert.ok(entries >= 6);

  // Nothing is 90 days old.
  const none = await h.json<CompactJson>(["sync", "compact", "--json"]);
  assert.deepEqual([none.keep_days, none.dropped, none.chains], [90, 0, []]);

  const dry = await h.json<CompactJson>(["sync", "compact", "--keep", "0", "--dry-run", "--json"]);
  assert.equal(dry.dry_run, true);
  assert.equal(dry.dropped, entries);
  assert.deepEqual(dry.chains.map((c) => [c.name, c.from, c.to]), [["solo", 1, entries]]);
  assert.equal((await h.json<LogEntryJson[]>(["log", "--json"])).length, entries, "dry run");

  const r = await h.ok(["sync", "compact", "--keep", "0"]);
  assert.match(r.stdout, new RegExp(`^dropped solo #1–#${entries}$`, "m"));
  assert.match(
    r.stdout,
    new RegExp(`^dropped ${entries} entries older than .* that every device holds$`, "m"),
  );
  const after = await h.json<StatusJson>(["status", "--json"]);
  assert.equal(after.state_digest, before.state_digest, "the state did not move");
  assert.deepEqual(await h.json(["pref", "list", "--json"]), {
    k0: "v0",
    k1: "v1",
    k2: "v2",
    k3: "v3",
    k4: "v4",
  });
  assert.deepEqual(await h.json<LogEntryJson[]>(["log", "--json"]), []);
  // --json keeps its array of entries; the note, which the text has, goes to stderr.
  assert.match(
    (await h.ok(["log", "--json"])).stderr,
    new RegExp(`^\\(solo's changes up to #${entries} were compacted on `, "m"),
  );
  // status counts what the devices made, not only what is stored: it said "0 entries".
  assert.match(
    (await h.ok(["status"])).stdout,
    new RegExp(
      `^log {5}0 of ${entries} entries from 1 device \\(${entries} held as a checkpoint\\)$`,
      "m",
    ),
  );
  const log = await h.ok(["log"]);
  assert.match(
    log.stdout,
    new RegExp(
      `^\\(solo's changes up to #${entries} were compacted on .*: every device had them; the state keeps their effect\\)$`,
      "m",
    ),
  );

  // New changes show above the note; the next compaction starts where this one stopped.
  await h.ok(["--no-sync", "pref", "set", "k0", "new"]);
  const again = await h.json<CompactJson>(["sync", "compact", "--keep", "0", "--json"]);
  assert.deepEqual(again.chains.map((c) => [c.from, c.to]), [[entries + 1, entries + 1]]);
  assert.equal((await h.json(["pref", "list", "--json"]) as Record<string, string>).k0, "new");
});
