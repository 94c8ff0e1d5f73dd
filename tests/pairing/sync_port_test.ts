/**
 * @module sync_port_test
 * `pair --peer` given the other device's sync port (what `sync serve
 * --listen` and its endpoint show) instead of its pairing port: the sync
 * server answers the pairing hello with nothing it can read, and hangs up.
 * Before, the joiner said only "the inviting device hung up", with no hint
 * of what was wrong. Real processes on loopback.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";
import { device, startInviter } from "./_helpers.ts";

Deno.test("pair --peer at a sync port says it may be a sync port, not a pairing one, with the fix", async () => {
  await using a = await device("alpha");
  await a.init();
  await a.serve();
  const inv = await startInviter(a.t);
  try {
    await using b = await tempHome("mycel-pair-syncport-");
    const args = ["pair", inv.code, "--name", "beta", "--peer", a.endpoint];
    const r = await b.run(args, { timeoutMs: 60_000 });
    assert.equal(r.code, 1, describe(args, r));
    assert.match(r.stderr, /the inviting device hung up before answering/, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `hint: .*${a.endpoint.replaceAll(".", "\\.")} may be .*sync port.*` +
          `the port \`mycel pair\` listens on there`,
        "s",
      ),
      r.stderr,
    );
  } finally {
    await inv.proc.stop();
  }
});
