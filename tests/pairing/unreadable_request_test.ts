/**
 * @module unreadable_request_test
 * A pairing request the inviter cannot read — a joiner on another pairing
 * version — is said on the inviter: the joiner only hears that the inviting
 * device hung up, so the inviter's screen is where the reason shows. Since
 * requests are answered as they come (pairing_opening.ts), that line was
 * lost. Real processes on loopback.
 */

import assert from "node:assert/strict";
import { tempHome } from "../helpers/mycel.ts";
import { idleSocket } from "../helpers/net.ts";
import { startInviter, strangersRequest } from "./_helpers.ts";

Deno.test("pairing: a request of another pairing version is said on the inviter", async () => {
  await using inviter = await tempHome();
  await inviter.run(["init", "--name", "hearth"]);
  const inv = await startInviter(inviter, { ttl: "1m" });
  const s = idleSocket(inv.port, "127.0.0.1");
  try {
    await s.connected;
    s.write(strangersRequest(1)); // this release speaks 2
    await s.closed;
    await inv.proc.waitFor(/unsupported pairing version 1/, { stream: "stderr", timeoutMs: 5_000 });
    assert.doesNotMatch(
      inv.proc.stderr,
      /attempts? left/,
      "an unreadable request costs no attempt",
    );
  } finally {
    s.destroy();
    await inv.proc.stop();
  }
});
