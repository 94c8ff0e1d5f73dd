/**
 * `repair --json` prints snake_case keys like every other command
 * (json_types.ts `RepairJson`); before, it printed the internal report as
 * it was, with camelCase `setAside` and `recoverOwnTo`, and left them out
 * when empty (real process, an intact home).
 */

import assert from "node:assert/strict";
import { tempHome } from "../helpers/mycel.ts";

Deno.test("repair --json on an intact home: no damage, every key snake_case and present", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  await h.ok(["--no-sync", "pref", "set", "theme", "dark"]);
  const out = await h.json<Record<string, unknown>>(["repair", "--json"]);
  assert.deepEqual(Object.keys(out).toSorted(), [
    "damage",
    "kept",
    "lost",
    "recover_own_to",
    "set_aside",
    "waiting",
  ]);
  assert.deepEqual(out.damage, []);
  assert.equal(out.lost, 0);
  assert.equal(out.waiting, 0);
  assert.equal(out.set_aside, null);
  assert.equal(out.recover_own_to, null);
});
