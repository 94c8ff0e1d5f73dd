/**
 * @module retention_command_test
 * `folder retention ID [DAYS]` shows and sets how long this device keeps a
 * folder's replaced and deleted files (real processes, one device). Before,
 * `--keep-days` of `folder add`/`join` set it once and nothing showed or
 * changed it afterwards (found by a review).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { tempHome } from "../helpers/mycel.ts";
import { soloFolder } from "./_helpers.ts";

Deno.test("folder retention shows the default, sets days, refuses bad input; 0 prunes at the next round", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);

  assert.equal(
    (await h.ok(["folder", "retention", "docs"])).stdout,
    "docs: replaced and deleted files are kept here 30 days\n",
  );
  assert.deepEqual(await h.json(["folder", "retention", "docs", "90", "--json"]), {
    id: "docs",
    keep_days: 90,
  });
  assert.deepEqual(await h.json(["folder", "retention", "docs", "--json"]), {
    id: "docs",
    keep_days: 90,
  });

  for (
    const [args, message] of [
      [
        ["folder", "retention", "nope"],
        /Cannot show folder retention: this device does not sync it \(nope\)/,
      ],
      [
        ["folder", "retention", "nope", "3"],
        /Cannot set folder retention: this device does not sync it/,
      ],
      [
        ["folder", "retention", "docs", "-1"],
        // With a hint, as every refusal has (there was none).
        /Cannot set folder retention: it must be a whole number of days, 0–36500 \(-1\)\nhint: For example 30 \(a month\) or 365; 0 keeps none\.\n$/,
      ],
      [["folder", "retention", "docs", "1e3"], /Cannot set folder retention: it must be a whole/],
    ] as const
  ) {
    const r = await h.run([...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(
    (await h.json<{ keep_days: number }>(["folder", "retention", "docs", "--json"])).keep_days,
    90,
  );

  // A version kept a day ago stays at 90 days, and goes once none are kept.
  const kept = join(docs, versionPathFor("a.txt", Date.now() - 86_400_000));
  await Deno.mkdir(join(kept, ".."), { recursive: true });
  await Deno.writeTextFile(kept, "old\n");
  await h.run(["sync", "now"]);
  assert.equal(await Deno.readTextFile(kept), "old\n");
  const zero = await h.ok(["folder", "retention", "docs", "0"]);
  assert.equal(zero.stdout, "docs: replaced and deleted files are not kept here\n");
  // One version: "the kept version … keeps it", not "all 1 kept version … keeps them".
  assert.match(
    zero.stderr,
    /^note: the next `mycel sync now` deletes the kept version \(4 B\) of docs under \.mycel\/versions\.\nSee it with `mycel folder versions .*`; a larger number of days keeps it\.\n$/,
  );
  await h.run(["sync", "now"]);
  await assert.rejects(() => Deno.lstat(kept), Deno.errors.NotFound);
});

Deno.test("folder retention with fewer days says on stderr how many kept versions the rounds will delete, and how much; it deletes nothing itself", async () => {
  // Before, "not kept here" alone: nothing said the next round deletes them (issue 13).
  await using h = await tempHome();
  const docs = await soloFolder(h);
  const keep = async (rel: string, daysAgo: number, body: string) => {
    const p = join(docs, versionPathFor(rel, Date.now() - daysAgo * 86_400_000));
    await Deno.mkdir(join(p, ".."), { recursive: true });
    await Deno.writeTextFile(p, body);
    return p;
  };
  const recent = await keep("a.txt", 1, "x".repeat(1000));
  const old = await keep("d/b.txt", 10, "y".repeat(2048));

  const seven = await h.ok(["folder", "retention", "docs", "7"]);
  assert.equal(seven.stdout, "docs: replaced and deleted files are kept here 7 days\n");
  assert.equal(
    seven.stderr,
    "note: 1 kept version (2.0 KiB) of docs is older than 7 days: the next hourly sweep of " +
      "`mycel sync now` deletes it.\n" +
      `See it with \`mycel folder versions ${docs}\`; a larger number of days keeps it.\n`,
  );
  const none = await h.ok(["folder", "retention", "docs", "0", "--json"]);
  assert.deepEqual(JSON.parse(none.stdout), { id: "docs", keep_days: 0 });
  assert.match(
    none.stderr,
    /^note: the next `mycel sync now` deletes all 2 kept versions \(3\.0 KiB\) of docs under \.mycel\/versions\.\n/,
  );
  // Said, not done: the files are there until a round prunes them.
  assert.equal((await Deno.readTextFile(recent)).length, 1000);
  assert.equal((await Deno.readTextFile(old)).length, 2048);
  // More days than any is old: nothing to say.
  assert.equal((await h.ok(["folder", "retention", "docs", "90"])).stderr, "");
});

Deno.test("folder retention's note names the folder as its line does, by name and id", async () => {
  // The note gave the id alone ("… of 2p547-v4hbr"), the line above it "photos (2p547-v4hbr)".
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const photos = h.path("photos");
  await Deno.mkdir(photos);
  await h.ok(["--no-sync", "folder", "add", photos, "--id", "p1", "--name", "photos"]);
  const p = join(photos, versionPathFor("a.jpg", Date.now() - 86_400_000));
  await Deno.mkdir(join(p, ".."), { recursive: true });
  await Deno.writeTextFile(p, "old\n");
  const zero = await h.ok(["folder", "retention", "p1", "0"]);
  assert.equal(zero.stdout, "photos (p1): replaced and deleted files are not kept here\n");
  assert.match(
    zero.stderr,
    /^note: the next `mycel sync now` deletes the kept version \(4 B\) of photos \(p1\) under /,
  );
});
