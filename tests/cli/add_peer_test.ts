/**
 * @module add_peer_test
 * `mesh add-peer` as a user meets it: this device's own card is refused with
 * a hint saying which card it wants; a card whose device has the name of
 * another member is admitted (names are not identities) with the same note
 * `mycel pair` gives, since every later `mesh remove NAME` will ask which.
 * Real processes, offline (cards only).
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";

Deno.test("mesh add-peer of this device's own card: a usage error saying whose card to give", async () => {
  await using h = await tempHome();
  await h.ok(["--no-sync", "init", "--name", "laptop"]);
  const card = (await h.ok(["mesh", "card"])).stdout.trim();
  const args = ["--no-sync", "mesh", "add-peer", card];
  const r = await h.run(args);
  assert.equal(r.code, 2, describe(args, r));
  assert.match(r.stderr, /^error: Cannot add peer: this is this device's own card\n/);
  assert.match(r.stderr, /\nhint: Give the card `mycel mesh card` prints on the other device/);
});

Deno.test("mesh add-peer of a device named like a member admits it, with a note naming the other", async () => {
  await using laptop = await tempHome("mycel-addpeer-a-");
  await using first = await tempHome("mycel-addpeer-b-");
  await using second = await tempHome("mycel-addpeer-c-");
  await laptop.ok(["--no-sync", "init", "--name", "laptop"]);
  for (const h of [first, second]) await h.ok(["--no-sync", "init", "--name", "phone"]);
  const cardOf = async (h: typeof laptop) => (await h.ok(["mesh", "card"])).stdout.trim();
  const one = await laptop.ok(["--no-sync", "mesh", "add-peer", await cardOf(first)]);
  assert.doesNotMatch(one.stderr, /also called/);
  const two = await laptop.ok(["--no-sync", "mesh", "add-peer", await cardOf(second)]);
  assert.match(two.stdout, /^added phone /m);
  const firstId = (await first.json<{ device: { id: string } }>(["status", "--json"])).device.id;
  assert.match(
    two.stderr,
    new RegExp(
      `^note: another device of the mesh is also called phone \\(${
        firstId.slice(0, 7)
      }\\): commands that take a device will ask which`,
      "m",
    ),
  );
  // --json keeps standard output one document; the note stays on standard error.
  const again = await laptop.run(["--no-sync", "mesh", "add-peer", await cardOf(second), "--json"]);
  assert.equal(JSON.parse(again.stdout).already_member, true);
});

Deno.test("mesh add-peer of a newer mycel's card says so and to update mycel", async () => {
  await using h = await tempHome();
  await h.ok(["--no-sync", "init", "--name", "laptop"]);
  const card = (await h.ok(["mesh", "card"])).stdout.trim();
  const newer = card.replace(/^mycel-card-1:/, "mycel-card-2:");
  const args = ["--no-sync", "mesh", "add-peer", newer];
  const r = await h.run(args);
  assert.equal(r.code, 2, describe(args, r));
  // Before: "it does not start with mycel-card-1:" and "copy the whole line".
  assert.match(
    r.stderr,
    /^error: Cannot read device card: it is in a newer card format \(mycel-card-2:\) than this mycel reads\n/,
  );
  assert.match(r.stderr, /\nhint: Update mycel on this device/);
  // A line that is no card at all is still told to copy the whole line.
  const junk = await h.run(["--no-sync", "mesh", "add-peer", "mycel-card-x:abc"]);
  assert.match(junk.stderr, /it does not start with mycel-card-1:.*\nhint: Copy the whole line/s);
});
