/**
 * Two devices admitted by the same inviter (a star: b and c both join a's
 * code) must be able to sync with each other before either has heard of the
 * other's admission from a: the initiator's hello carries its admission
 * entry (`local.admission`), which the responder accepts because a member
 * signed it (src/sync/admission.ts).
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { labTest, pair } from "./_netns.ts";

labTest("mesh: a device admitted after b can sync with b straight away", {
  nodes: ["a", "b", "c"],
}, async (lab) => {
  const [a, b, c] = lab.nodes;
  await Promise.all(lab.nodes.map((n) => n.init()));
  await pair(a, b);
  await pair(a, c);
  await b.serve();
  // a is offline; b has not heard of c.
  const r = await c.syncNow(5);
  const line = r.lines.find((l) => l.name === "b");
  assert.equal(line?.status, "synced", describe(["sync", "now"], r.result));
  assert.equal(r.result.code, 3, describe(["sync", "now"], r.result)); // a is unreachable: partial
  assert.ok((await b.status()).peers.some((p) => p.name === "c"), "b did not learn about c");
});
