/**
 * @module sync_now_yes_test
 * `sync now --yes` lets a held mass deletion go out, as `folder scan --yes`
 * does (tests/folders/safety_test.ts): without a terminal, a round whose
 * scan finds more than half of a folder's files gone holds the deletions
 * and says so; the same round with `--yes` publishes them (real processes,
 * one device with no peer: the round's scan is what `--yes` is for).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, type TempHome, tempHome } from "../helpers/mycel.ts";

/** The folder's file count and held deletions, from `folder status --json`. */
async function standing(h: TempHome): Promise<{ files: number; held_deletes: number }> {
  const [s] = await h.json<{ files: number; held_deletes: number }[]>(
    ["--no-sync", "folder", "status", "docs", "--json"],
  );
  return { files: s.files, held_deletes: s.held_deletes };
}

Deno.test("sync now --yes publishes the deletions a mass deletion held", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs);
  for (let i = 0; i < 6; i++) await Deno.writeTextFile(join(docs, `f${i}.txt`), `${i}\n`);
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  for (let i = 0; i < 4; i++) await Deno.remove(join(docs, `f${i}.txt`));

  const held = await h.run(["sync", "now", "--timeout", "5"]);
  assert.equal(held.code, 0, describe(["sync", "now"], held));
  assert.match(held.stderr, /docs: 4 of 6 files are gone on disk: the deletions are held/);
  assert.deepEqual(await standing(h), { files: 6, held_deletes: 4 });

  const args = ["sync", "now", "--timeout", "5", "--yes"];
  const yes = await h.run(args);
  assert.equal(yes.code, 0, describe(args, yes));
  assert.doesNotMatch(yes.stderr, /held/, describe(args, yes));
  assert.deepEqual(await standing(h), { files: 2, held_deletes: 0 });
});
