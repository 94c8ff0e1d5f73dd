/**
 * A folder removed here and joined again (how held deletions are got back,
 * docs/folders.md) keeps its retention: `folder remove` says so, the join
 * takes back the `--keep-days` it had unless it names one anew, at the same
 * path or another. Before, the join fell back to the default 30 days and
 * nothing said it. Real processes and folders.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempHome } from "../helpers/mycel.ts";

async function keepDays(h: { json: <T>(a: string[]) => Promise<T> }): Promise<number> {
  return (await h.json<{ keep_days: number }>(["folder", "retention", "docs", "--json"])).keep_days;
}

Deno.test("folder remove and join again keep the folder's --keep-days unless the join names one", async () => {
  await using h = await tempHome();
  const docs = join(await Deno.realPath(h.dir), "docs");
  await Deno.mkdir(docs);
  await Deno.writeTextFile(join(docs, "a.txt"), "a\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs", "--keep-days", "90"]);

  const removed = await h.ok(["--no-sync", "folder", "remove", "docs"]);
  assert.match(removed.stdout, /Joined here again, it keeps replaced and deleted files 90 days/);
  await h.ok(["--no-sync", "folder", "join", "docs", docs]);
  assert.equal(await keepDays(h), 90, "the same path");

  // Set since by `folder retention`, joined at another path.
  await h.ok(["--no-sync", "folder", "retention", "docs", "7"]);
  await h.ok(["--no-sync", "folder", "remove", "docs"]);
  const elsewhere = join(await Deno.realPath(h.dir), "elsewhere");
  await h.ok(["--no-sync", "folder", "join", "docs", elsewhere]);
  assert.equal(await keepDays(h), 7, "another path");

  // Named anew on the join: that one.
  await h.ok(["--no-sync", "folder", "remove", "docs"]);
  await h.ok(["--no-sync", "folder", "join", "docs", docs, "--keep-days", "12"]);
  assert.equal(await keepDays(h), 12);

  // A folder on the default: nothing said of days, the default after the join.
  const other = join(await Deno.realPath(h.dir), "other");
  await Deno.mkdir(other);
  await h.ok(["--no-sync", "folder", "add", other, "--id", "other"]);
  const plain = await h.ok(["--no-sync", "folder", "remove", "other"]);
  assert.doesNotMatch(plain.stdout, /Joined here again/, plain.stdout);
  await h.ok(["--no-sync", "folder", "join", "other", other]);
  const [o] = [await h.json<{ keep_days: number }>(["folder", "retention", "other", "--json"])];
  assert.equal(o.keep_days, 30);
});
