/**
 * @module round_interrupt_test
 * Ctrl-C (SIGINT) during the entry round of `sync now`, its peer stalled
 * (its server stopped: the connection is accepted by the kernel, the
 * handshake never answered), ends the round at once: the session's
 * connection is closed, and `sync now` exits 130 by itself with
 * "Cannot finish the sync round: it was interrupted". Before, the round
 * did not watch the signal: the session waited on its deadline (10 s)
 * until main.ts ended the process 3 s after the signal, with no message.
 * The session cut short is not recorded as the peer's failure.
 */

import assert from "node:assert/strict";
import {
  assertRoundInterrupted,
  interruptTimed,
  signalIfRunning,
  throttleUntil,
} from "../folders/_helpers.ts";
import { devices, tableRows } from "./_helpers.ts";

/** True when a TCP connection to 127.0.0.1:`port` is established (Linux: /proc). */
function connectedTo(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const lines = Deno.readTextFileSync("/proc/net/tcp").split("\n").slice(1);
  return lines.some((l) => {
    const f = l.trim().split(/\s+/);
    return f[2] === `0100007F:${hex}` && f[3] === "01";
  });
}

Deno.test("Ctrl-C during the entry round, its peer stalled, ends sync now at once with 130", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  await a.serve();
  const peers = async () => (await b.status()).peers;
  const before = JSON.stringify(await peers());
  const local = tableRows(b.home, "local"); // lastRound among them: not a round

  const server = a.server!.pid;
  signalIfRunning(server, "SIGSTOP");
  let r, took, caught;
  try {
    const p = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 60_000 });
    const t0 = Date.now();
    await throttleUntil(p.pid, () => (caught = connectedTo(a.port)) || Date.now() - t0 > 30_000);
    ({ r, took } = await interruptTimed(p));
  } finally {
    Deno.kill(server, "SIGCONT");
  }
  // By itself: main.ts ends what still runs 3 s after the signal, without a message.
  assertRoundInterrupted(r!, took!, caught === true, "the session");
  assert.doesNotMatch(r.stdout, /unreachable|failed/, "the cut session is not reported");
  assert.equal(JSON.stringify(await peers()), before, "nor recorded");
  assert.equal(tableRows(b.home, "local"), local, "no round recorded");
});
