/**
 * @module compaction_parts_test
 * A home whose state is past one checkpoint's bounds (64 MiB:
 * src/log/checkpoint_format.ts) compacts into a base in parts
 * (src/storage/base_state.ts), as a device paired into such a mesh keeps
 * its base. Before, compaction made one checkpoint and failed with
 * `checkpoint_too_large`; `sync now` compacts after its round, so once the
 * entries were older than the retention (90 days) every round of such a
 * home exited 1 with "Cannot make a checkpoint: the state is larger than a
 * checkpoint may be". Real processes at the real size (about 68 MB of
 * preferences, written through the home in this process: faster than 1,100
 * `pref set` runs, the same entries), the round's clock moved past the
 * retention with libfaketime.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { Op } from "../../src/log/ops.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { fakeClock, faketimeTest } from "../helpers/faketime.ts";
import { describe, type LogEntryJson, type StatusJson, tempHome } from "../helpers/mycel.ts";

/** 110 entries of 10 preferences of ~62 kB: about 68 MB of state. */
async function pastOneCheckpoint(root: string): Promise<void> {
  using home = await Home.open(root, { write: true });
  const value = "v".repeat(62_000);
  for (let e = 0; e < 110; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 10; i++) {
      ops.push({ type: "pref.set", key: `p.${e}.${i}`, value: `${value}${e}.${i}` });
    }
    await home.write((w) => w.commit(ops));
  }
}

function baseParts(root: string): number {
  const db = new DatabaseSync(`${root}/mycel.db`, { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM base_parts").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

faketimeTest(
  "sync now on a home past one checkpoint's bounds compacts its old entries into a base in parts instead of failing every round",
  async () => {
    await using h = await tempHome("mycel-compact-parts-");
    await h.ok(["init", "--name", "solo"]);
    await pastOneCheckpoint(h.home);
    const before = await h.json<StatusJson>(["status", "--json"]);
    const entries = (await h.json<LogEntryJson[]>(["log", "--json"])).length;
    assert.ok(entries > 110);

    // 91 days on: every entry is past the 90 days kept, and the round compacts.
    const later = fakeClock("+91d");
    const args = ["sync", "now"];
    const r = await h.run(args, { ...later, timeoutMs: 300_000 });
    assert.doesNotMatch(r.stderr, /checkpoint/, describe(args, r));
    assert.equal(r.code, 0, describe(args, r));
    assert.deepEqual(await h.json(["log", "--json"], later), [], "the old entries were compacted");
    assert.ok(baseParts(h.home) >= 5, "the base is kept in parts");

    const after = await h.json<StatusJson>(["status", "--json"], later);
    assert.equal(after.state_digest, before.state_digest, "the state did not move");
    const prefs = await h.json<Record<string, string>>(["pref", "list", "--json"], later);
    assert.equal(Object.keys(prefs).length, 1100);
    const doctor = JSON.parse((await h.run(["doctor", "--json"], later)).stdout) as {
      findings: { check: string; ok: boolean; detail: string }[];
    };
    const log = doctor.findings.find((f) => f.check === "log")!;
    assert.ok(log.ok, log.detail);

    // A later write, compacted again from the base in parts a day later.
    await h.ok(["--no-sync", "pref", "set", "p.0.0", "changed"], later);
    const next = await h.run(args, { ...fakeClock("+183d"), timeoutMs: 300_000 });
    assert.equal(next.code, 0, describe(args, next));
    assert.deepEqual(await h.json(["log", "--json"], fakeClock("+183d")), []);
    assert.equal(
      (await h.json<Record<string, string>>(["pref", "list", "--json"]))["p.0.0"],
      "changed",
    );
  },
);
