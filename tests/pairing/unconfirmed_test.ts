/**
 * @module unconfirmed_test
 * A joiner that fails after the inviter admitted it (its disk, a crash,
 * Ctrl-C at the last moment) never confirms it stored the mesh's state.
 * The admission is signed and kept, so the code is spent: the inviter ends
 * at once, names the half-added device and says how to take it out —
 * before, found by an exploration helper, it logged the failure and went on
 * waiting on the same code, which then admitted a second device. Real
 * processes on loopback.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, device, startInviter } from "./_helpers.ts";
import { tempHome } from "../helpers/mycel.ts";

Deno.test("pairing: a joiner failing after its admission spends the code; the inviter names it and says how to remove it", async () => {
  await using a = await device("alpha");
  await a.init();
  await using b = await tempHome("mycel-pair-broken-");
  // Setting the home up fails only at the end: its set-up marker can't be written.
  await Deno.mkdir(b.home, { recursive: true, mode: 0o700 });
  await Deno.mkdir(join(b.home, "init.pending"));
  const inv = await startInviter(a.t);
  try {
    const args = ["pair", inv.code, "--name", "broken"];
    const j = await b.run(args, { timeoutMs: 60_000 });
    assert.equal(j.code, 1, describe(args, j));
    const i = await inv.proc.result();
    assert.equal(i.code, 1, describe(["pair"], i));
    assert.match(
      i.stderr,
      /^error: Cannot add device: broken was admitted but never confirmed it stored the mesh's state/m,
    );
    assert.match(
      i.stderr,
      /hint: If that device says it paired, run `mycel sync now` there\. If not, take the half-added device out \(`mycel mesh remove [A-Z2-7]{7} --yes`\)/,
    );
    const rows = await a.meshList();
    assert.equal(rows.length, 2, "the admission stays (signed and committed)");
  } finally {
    await inv.proc.stop();
  }
});
