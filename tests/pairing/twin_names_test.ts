/**
 * Pairing a device under a name another member already has: it pairs (names
 * are not identities), and the device that showed the code says so — every
 * later `mesh remove NAME` would otherwise meet the ambiguity unannounced.
 * Real processes, pairing on loopback.
 */

import assert from "node:assert/strict";
import { tempHome } from "../helpers/mycel.ts";
import { pair } from "./_helpers.ts";

Deno.test("pairing a second device under a name the mesh has pairs it, with a note naming the other", async () => {
  await using laptop = await tempHome("mycel-twins-a-");
  await using first = await tempHome("mycel-twins-b-");
  await using second = await tempHome("mycel-twins-c-");
  await laptop.ok(["init", "--name", "laptop"]);
  const one = await pair(laptop, first, "phone");
  assert.doesNotMatch(one.inviter.stderr, /also called/);
  const two = await pair(laptop, second, "phone");
  assert.match(
    two.inviter.stderr,
    /^note: another device of the mesh is also called phone \([A-Z2-7]{7}\): commands that take a device will ask which/m,
  );
});
