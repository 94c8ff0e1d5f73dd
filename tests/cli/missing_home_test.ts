/**
 * @module missing_home_test
 * A first write sets a home up (`pref set` on a fresh machine just works),
 * but a command that can only remove, unset, move or leave something that
 * exists has nothing to act on in a home that does not exist: it fails as a
 * read does and creates nothing. Before, each of these set up a whole new
 * mesh (keys, database, "Set up a new mesh …") and then failed.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";

const REMOVALS: string[][] = [
  ["pattern", "remove", "x"],
  ["pref", "unset", "x"],
  ["pref", "unset", "x", "--force"],
  ["config", "unset", "x"],
  ["folder", "remove", "abcde-fghij"],
  ["folder", "move", "abcde-fghij", "@DIR@/moved"],
  ["folder", "join", "abcde-fghij", "@DIR@/joined"],
  ["mesh", "remove", "laptop"],
];

Deno.test("removing, unsetting, moving or joining in a home that does not exist fails as a read does and creates nothing", async () => {
  await using h = await tempHome();
  for (const template of REMOVALS) {
    const args = template.map((a) => a.replace("@DIR@", h.dir));
    const r = await h.run(args);
    assert.equal(r.code, 1, describe(args, r));
    assert.match(
      r.stderr,
      /^error: Cannot open mycel home: it has not been set up \(.*\)\nhint: Run `mycel init` first/,
      describe(args, r),
    );
    assert.doesNotMatch(r.stderr, /Set up a new mesh/, describe(args, r));
    const left = [];
    for await (const e of Deno.readDir(h.dir)) left.push(e.name);
    assert.deepEqual(left, [], `${args.join(" ")} left ${left.join(", ")}`);
  }
  // A first write still sets the home up.
  const r = await h.run(["pref", "set", "theme", "dark"]);
  assert.equal(r.code, 0, describe(["pref", "set"], r));
  assert.match(r.stderr, /Set up a new mesh for this device/);
});
