/**
 * @module down_peer_round_test
 * What a round spends on a peer that was down. A peer unreachable last
 * round makes the next round probe the local link at once (round_discovery.ts):
 * when the peer answers at its endpoint meanwhile, `sync now` exits without
 * waiting out the probe's listening (before, every such round took 3 s more).
 * And a device on this machine that called us from a loopback address, naming
 * one of our own ports as its own (7850 for a device that listens nowhere),
 * is not remembered there: rounds dialled our own listener first, as that peer.
 */

import assert from "node:assert/strict";
import { tempHome } from "../helpers/mycel.ts";
import { syncRound } from "../../src/sync/round.ts";
import { devices, freePort, tableRows } from "./_helpers.ts";

Deno.test("a round whose peer answers again ends the probe started for it with its sessions", async () => {
  await using devs = await devices(["asker", "sleeper"]);
  const [asker, sleeper] = devs.list;
  await devs.peer(asker, sleeper);
  const down = await asker.syncNow();
  assert.equal(down.of(sleeper).status, "unreachable", down.result.stdout);
  await sleeper.serve();

  // Last round it was unreachable: this round probes the link from its start
  // (here a UDP port on loopback nobody answers at, listened to for 20 s).
  const port = freePort();
  const probes: boolean[] = [];
  let ended: () => void = () => {};
  const probeEnd = new Promise<void>((r) => ended = r);
  {
    const out = await syncRound(asker.home, {
      now: Date.now,
      env: () => undefined,
      timeoutMs: 10_000,
      discovery: {
        listenMs: 20_000,
        targets: [{ family: 4, host: "127.0.0.1", port }],
        onProbe: (eager) => probes.push(eager),
        onProbeEnd: () => ended(),
      },
    });
    assert.deepEqual(out.map((o) => o.status), ["synced"]);
    assert.deepEqual(probes, [true]);
    // Nobody reads its answers once every peer synced: the probe stops with
    // the round (before, it listened the 20 s out, and `sync now` could not
    // exit until it had: 3 s, ROUND_LISTEN_MS, on every such round).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<string>((r) => {
      timer = setTimeout(() => r("still listening"), 2000);
    });
    assert.equal(await Promise.race([probeEnd.then(() => "ended"), late]), "ended");
    clearTimeout(timer);
  }
});

Deno.test("a caller on this machine naming our own port is not dialled there: rounds never dial our own listener as that peer", async () => {
  const env = { MYCEL_DISCOVERY: "off" };
  await using devs = await devices(["server"]);
  const [server] = devs.list;
  // Another device on this machine, advertising the server's port at another loopback address.
  await using caller = await tempHome("mycel-sync-caller-");
  await caller.ok(["init", "--name", "caller", "--listen", `127.0.0.2:${server.port}`]);
  await server.write("mesh", "add-peer", (await caller.ok(["mesh", "card"])).stdout.trim());
  await caller.ok(["--no-sync", "mesh", "add-peer", await server.card()]);

  await server.serve(10, { env });
  const called = await caller.run(["sync", "now", "--json"], { env });
  assert.equal(called.code, 0, called.stdout + called.stderr);
  // The session came from 127.0.0.1, naming port server.port: that is the server itself.
  const self = `127.0.0.1:${server.port}`;
  assert.ok(!tableRows(server.home, "peers").includes(self), tableRows(server.home, "peers"));

  // The caller listens nowhere: the server's round finds it down, without dialling itself.
  const r = await server.syncNow([], 5, { env });
  const o = r.of("caller");
  assert.equal(o.status, "unreachable", r.result.stdout);
  assert.ok(!(o.error ?? "").includes(self), o.error ?? "");
  assert.equal(o.code, "connection_refused");
  await server.stopServer();
});
