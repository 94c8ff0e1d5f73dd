/**
 * Ctrl-C (SIGINT) while a round looks for its peers on the local network
 * ends `sync now` at once, with 130 and "Cannot finish the sync round: it
 * was interrupted". a knows b with no endpoint (b advertises none), so a's
 * round probes the link and listens for answers (3 s; b is not serving).
 * Before, the probe's listening did not watch the signal: the round waited
 * it out until main.ts ended the process 3 s after the signal, without a
 * message. Nothing of the cut session is recorded.
 */

import assert from "node:assert/strict";
import { assertRoundInterrupted, interruptTimed, throttleUntil } from "../folders/_helpers.ts";
import { labTest, pair } from "./_netns.ts";

/** UDP sockets open in the network namespace of process `pid` (Linux: /proc). */
function udpSockets(pid: number): number {
  let n = 0;
  for (const table of ["udp", "udp6"]) {
    try {
      const lines = Deno.readTextFileSync(`/proc/${pid}/net/${table}`).trim().split("\n");
      n += lines.length - 1;
    } catch {
      // ended, or no IPv6
    }
  }
  return n;
}

labTest("Ctrl-C while a round probes the local network ends sync now at once with 130", {
  nodes: ["a", "b"],
}, async (lab) => {
  const [a, b] = lab.nodes;
  b.envOverrides.MYCEL_ADDRESSES = "";
  await a.init();
  await b.ok(["init", "--name", b.name]);
  await pair(a, b);
  assert.equal((await a.status()).peers.length, 1);
  const before = JSON.stringify((await a.status()).peers);

  const p = a.spawn(["sync", "now", "--timeout", "10"]);
  const t0 = Date.now();
  let probing = false;
  // Nothing else in a's namespace holds a UDP socket: one is the probe's.
  await throttleUntil(p.pid, () => (probing = udpSockets(p.pid) > 0) || Date.now() - t0 > 30_000);
  const { r, took } = await interruptTimed(p);
  // By itself, well inside the probe's 3 s of listening and main.ts's 3 s fallback.
  assertRoundInterrupted(r, took, probing, "the probe");
  assert.equal(JSON.stringify((await a.status()).peers), before, "the cut session is not recorded");
});
