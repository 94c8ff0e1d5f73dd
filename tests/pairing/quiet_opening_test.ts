/**
 * @module quiet_opening_test
 * A stranger who sends a well-formed first frame (a pairing request with a
 * valid CPace share: no code needed) on each of its connections and then
 * goes quiet must neither cost the code an attempt nor keep a real joiner
 * waiting or out. Before, the inviter took such connections one at a time
 * and waited up to 15 s for each one's next message, and each kept its slot
 * for good: 4 of them from one address held a joiner back a minute, 32 from
 * eight addresses kept it out. Real processes on loopback; the strangers come
 * from 127.0.0.3 and up.
 */

import assert from "node:assert/strict";
import { MAX_CONCURRENT, MAX_PER_SOURCE } from "../../src/protocol/connection_limits.ts";
import { OPENING_MS } from "../../src/sync/pairing_opening.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { idleSocket } from "../helpers/net.ts";
import { startInviter, strangersRequest } from "./_helpers.ts";

/** `n` connections from 127.0.0.3 on (MAX_PER_SOURCE each), each sending a request. */
function strangers(port: number, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const s = idleSocket(port, `127.0.0.${3 + Math.floor(i / MAX_PER_SOURCE)}`);
    s.connected.then(() => s.write(strangersRequest()), () => {});
    return s;
  });
}

async function pairsPast(quiet: number): Promise<void> {
  await using inviter = await tempHome();
  await using joiner = await tempHome();
  await inviter.run(["init", "--name", "hearth"]);
  const inv = await startInviter(inviter, { ttl: "2m" });
  const quietOnes = strangers(inv.port, quiet);
  try {
    await Promise.all(quietOnes.map((s) => s.connected));
    // Their requests are in and answered before the joiner comes.
    await new Promise((r) => setTimeout(r, 1000));

    const joinAt = performance.now();
    const args = ["pair", inv.code, "--name", "ember"];
    const j = await joiner.run(args, { timeoutMs: 90_000 });
    const pairedAt = performance.now();
    assert.equal(j.code, 0, describe(args, j));
    const i = await inv.proc.result();
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /paired with ember/);
    assert.doesNotMatch(i.stderr, /wrong code|attempts? left/, "a quiet stranger cost an attempt");
    // Behind one quiet stranger's wait, the joiner would have taken OPENING_MS at least.
    assert.ok(
      pairedAt - joinAt < OPENING_MS,
      `the joiner took ${(pairedAt - joinAt).toFixed(0)} ms to pair`,
    );
  } finally {
    for (const s of quietOnes) s.destroy();
    await inv.proc.stop();
  }
}

Deno.test("pairing: strangers that send a pairing request and go quiet do not hold a joiner back", async () => {
  await pairsPast(MAX_PER_SOURCE);
});

Deno.test("pairing: quiet strangers holding every slot with pairing requests do not keep a joiner out", async () => {
  await pairsPast(MAX_CONCURRENT);
});
