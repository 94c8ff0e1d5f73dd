/**
 * `doctor` on a device whose peer just went away (a laptop closed, moved or
 * offline): WireGuard's last handshake with it is still under 3 minutes old,
 * so the tunnel counts as live, but nothing comes back through it. doctor
 * must not say the tunnel is up and blame the peer's sync service (before:
 * "b's tunnel is up (…) but sync does not answer", hint "Is mycel serving
 * sync on b?"): it says nothing came back and that the peer may have moved,
 * slept or gone offline. A peer whose tunnel answers but whose sync server
 * is stopped (the connection is refused through the tunnel) still gets the
 * first message.
 */

import assert from "node:assert/strict";
import { labTest, meshOf, type Node } from "./_netns.ts";

interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

async function peerFinding(n: Node): Promise<Finding> {
  const r = await n.run(["doctor", "--json"]);
  const findings = JSON.parse(r.stdout).findings as Finding[];
  return findings.find((f) => f.check === "peer")!;
}

labTest(
  "mesh: doctor says a peer whose tunnel went silent may have moved, not that its sync is down",
  {
    nodes: ["a", "b"],
  },
  async (lab) => {
    await meshOf(lab, "star");
    const [a, b] = lab.nodes;

    // b's link goes: a's tunnel to it had a handshake moments ago.
    await b.underlay("down");
    const gone = await peerFinding(a);
    assert.equal(gone.ok, false, JSON.stringify(gone));
    assert.match(
      gone.detail,
      /^nothing came back from b through its tunnel \(last WireGuard handshake \d+s ago at 198\.18\.0\.2:51871\): over the mesh: no answer within /,
    );
    assert.doesNotMatch(gone.detail, /tunnel is up/);
    assert.match(gone.hint ?? "", /moved, gone to sleep or gone offline/);
    assert.doesNotMatch(gone.hint ?? "", /serving sync/);

    // b is back, its sync server stopped: the tunnel answers, sync does not.
    await b.underlay("up");
    await b.server!.stop("SIGTERM");
    assert.ok(await b.waitPing(await a.meshIpv4()), "b cannot reach a again");
    const stopped = await peerFinding(a);
    assert.equal(stopped.ok, false, JSON.stringify(stopped));
    assert.match(
      stopped.detail,
      /^b's tunnel is up \(WireGuard handshake \d+s ago at [^)]*\) but sync does not answer: over the mesh: nothing is listening there/,
    );
    assert.match(stopped.hint ?? "", /Is mycel serving sync on b/);
  },
);
