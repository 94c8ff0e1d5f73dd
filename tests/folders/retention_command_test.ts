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
  assert.equal(
    (await h.ok(["folder", "retention", "docs", "0"])).stdout,
    "docs: replaced and deleted files are not kept here\n",
  );
  await h.run(["sync", "now"]);
  await assert.rejects(() => Deno.lstat(kept), Deno.errors.NotFound);
});
