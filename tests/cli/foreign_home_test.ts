/**
 * @module foreign_home_test
 * A user who points `--home` at another user's home (private, mode 0700, as
 * mycel makes them) is told whose it is, as root is: `foreign_home` with its
 * hint, from a read, a write and `doctor` alike. Before, the owner was
 * checked only after looking at the files inside, which the folder's mode
 * forbids: "Cannot continue: permission denied (… lstat '…/mycel.db')", and
 * a bare OS message in `doctor`. Needs root to run mycel as `nobody`
 * (CI runs as root); skipped with a note otherwise.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";
import { NOBODY_UNAVAILABLE, USER } from "../folders/_as_nobody.ts";

if (NOBODY_UNAVAILABLE !== undefined) {
  console.log(`foreign_home_test: skipped: ${NOBODY_UNAVAILABLE}`);
}

async function listing(dir: string): Promise<string[]> {
  const names = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test({
  name:
    "another user's private home is refused as theirs (foreign_home, with its hint) by reads, writes and doctor, and left as it was",
  ignore: NOBODY_UNAVAILABLE !== undefined,
  async fn() {
    await using root = await tempHome("mycel-foreign-");
    await root.ok(["init", "--name", "roots"]);
    // Others may reach the home's folder, not look inside it (0700, as made).
    await Deno.chmod(root.dir, 0o755);
    const before = await listing(root.home);
    await using user = await tempHome("mycel-nobody-", USER);
    for (const args of [["status"], ["config", "set", "x", "1"], ["doctor"]]) {
      const r = await user.run(args, { home: root.home });
      const shown = describe(args, r);
      assert.equal(r.code, 1, shown);
      assert.match(
        r.stdout + r.stderr,
        /Cannot open mycel home: it belongs to another user \(uid 0\)/,
        shown,
      );
      assert.match(r.stdout + r.stderr, /hint: Run mycel as the user who owns this home/, shown);
      assert.doesNotMatch(r.stdout + r.stderr, /permission denied|os error/i, shown);
    }
    const json = await user.run(["status", "--json"], { home: root.home });
    assert.equal(JSON.parse(json.stderr).error.code, "foreign_home", describe(["status"], json));
    assert.deepEqual(await listing(root.home), before);
  },
});
