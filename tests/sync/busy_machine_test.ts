/**
 * @module busy_machine_test
 * A new device comes up to date from a 100,000-entry home while the machine
 * is kept busy by two CPU-bound processes (as many as it has cores here):
 * real `mycel` processes over TCP on loopback, the home built from real
 * signed entries by bench/make_home.ts. Before streaming and checkpoints, a
 * first sync from a home this size failed on a loaded machine ("no data
 * within 10s": the sender decoded its whole log before sending a byte).
 */

import assert from "node:assert/strict";
import { freePort, freshPeer, mycel, serve } from "../../bench/bench_homes.ts";
import { makeHome } from "../../bench/make_home.ts";

/** Start a process that only burns CPU; returns it (killed by PID by the caller). */
function burner(): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", "for (;;) {}"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

Deno.test("a new device syncs from a 100,000-entry home while two CPU-bound processes run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-busy-" });
  const burners: Deno.ChildProcess[] = [];
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    const big = `${dir}/big`, fresh = `${dir}/fresh`;
    await makeHome({ entries: 100_000, keys: 1000, devices: 3, out: big });
    const port = freePort();
    await freshPeer(fresh, freePort(), big, `127.0.0.1:${port}`);
    server = await serve(big, port, 60);
    burners.push(burner(), burner());

    // The default read deadline (10 s) and nothing else: what the timer runs.
    const r = await mycel(fresh, ["sync", "now", "--json"], [0, 1, 3]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const [outcome] = JSON.parse(r.stdout) as {
      status: string;
      checkpoint: { received: boolean };
    }[];
    assert.equal(outcome.status, "synced");
    assert.ok(outcome.checkpoint.received, "a newcomer gets the state, not the history");

    const digest = async (home: string) =>
      (JSON.parse((await mycel(home, ["status", "--json"])).stdout) as { state_digest: string })
        .state_digest;
    const prefs = JSON.parse((await mycel(fresh, ["pref", "list", "--json"])).stdout);
    assert.equal(Object.keys(prefs).length, 1000, "every key arrived");
    await server.stop();
    server = undefined;
    assert.equal(await digest(fresh), await digest(big), "one state on both devices");
  } finally {
    for (const b of burners) {
      try {
        Deno.kill(b.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await b.status;
    }
    await server?.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
