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

/**
 * UDP sockets process `pid` holds itself (Linux: /proc): its descriptors'
 * socket inodes found in its namespace's UDP tables. Not every UDP socket of
 * the namespace: right after the spawn `pid` is still `ip netns exec` in the
 * host's namespace, whose table lists every host process's sockets (a
 * discovery responder of a test running beside this one): the signal then
 * went to a process that had not started, exit 130 with no message.
 */
function udpSockets(pid: number): number {
  const mine = new Set<string>();
  try {
    for (const fd of Deno.readDirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`));
      if (m !== null) mine.add(m[1]);
    }
  } catch {
    return 0; // ended
  }
  let n = 0;
  for (const table of ["udp", "udp6"]) {
    try {
      for (const line of Deno.readTextFileSync(`/proc/${pid}/net/${table}`).split("\n").slice(1)) {
        if (mine.has(line.trim().split(/\s+/)[9])) n++;
      }
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
  // The only UDP socket sync now opens is the probe's.
  await throttleUntil(p.pid, () => (probing = udpSockets(p.pid) > 0) || Date.now() - t0 > 30_000);
  const { r, took } = await interruptTimed(p);
  // By itself, well inside the probe's 3 s of listening and main.ts's 3 s fallback.
  assertRoundInterrupted(r, took, probing, "the probe");
  assert.equal(JSON.stringify((await a.status()).peers), before, "the cut session is not recorded");
});
