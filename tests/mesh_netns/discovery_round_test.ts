/**
 * LAN discovery wired into rounds. Three devices on one bridge; b and c
 * were both paired by a and advertise no endpoint (MYCEL_ADDRESSES empty:
 * as if their addresses were unknown), then a goes away. Neither has a
 * usable endpoint for the other, yet each `sync now` finds the other on
 * the link and syncs: c (which knows b from a's state) finds b answering
 * from inside `sync serve --listen`; then b (which learned of c in that
 * session) finds c; then c finds b answering from a socket-activated
 * `mycel discovery respond --stdio` (systemd-socket-activate holding UDP
 * 7850 as the `mycel-discovery.socket` unit would) while b's own `sync
 * serve` leaves that port alone.
 */

import assert from "node:assert/strict";
import { which } from "../helpers/process.ts";
import { MAIN_TS } from "../helpers/mycel.ts";
import {
  eventually,
  IN_CI,
  labTest,
  type Node,
  pair,
  sameDigests,
  sh,
  SYNC_PORT,
} from "./_netns.ts";

const ACTIVATE = which("systemd-socket-activate");
const MOVED = "198.18.0.13";

async function syncedWith(n: Node, name: string): Promise<{ path: string; address: string }> {
  const r = await n.syncNow(6);
  const line = r.lines.find((l) => l.name === name);
  assert.ok(line, `${n.name}: no line for ${name}: ${r.result.stdout}${r.result.stderr}`);
  assert.equal(line.status, "synced", `${n.name} → ${name}: ${JSON.stringify(line)}`);
  return { path: line.path!, address: line.address! };
}

labTest("discovery: two devices with no endpoint for each other find each other and sync", {
  nodes: ["a", "b", "c"],
}, async (lab, t) => {
  const [a, b, c] = lab.nodes;
  for (const n of [b, c]) n.envOverrides.MYCEL_ADDRESSES = "";
  await a.init();
  for (const n of [b, c]) await n.ok(["init", "--name", n.name]);
  await pair(a, b);
  await pair(a, c);
  for (const n of [b, c]) assert.deepEqual((await n.status()).device.endpoints, []);
  await a.underlay("down");

  await b.write("pref", "set", "from.b", "1");
  await c.write("pref", "set", "from.c", "1");
  const bServe = await b.serve();
  await bServe.waitFor(/answering discovery probes/);
  await c.serve();

  const found = await syncedWith(c, "b");
  assert.equal(found.path, "discovered");
  assert.equal(found.address, `${b.ip}:${SYNC_PORT}`);
  const back = await syncedWith(b, "c");
  assert.equal(back.path, "discovered");
  assert.equal(back.address, `${c.ip}:${SYNC_PORT}`);
  const digests = await sameDigests([b, c]);
  assert.equal(new Set(digests).size, 1, digests.join(" "));
  // Where it worked is remembered: the next round dials it first, no probe needed.
  const again = await syncedWith(c, "b");
  assert.equal(again.path, "direct");

  if (!ACTIVATE && !IN_CI) {
    console.log("mesh_netns: skipping socket activation: systemd-socket-activate is missing");
    return;
  }
  await t.step("b answers from a socket-activated discovery respond --stdio", async () => {
    assert.ok(
      ACTIVATE,
      "systemd-socket-activate is missing (install_test_deps.sh installs systemd)",
    );
    await bServe.stop("SIGTERM");
    const unit = b.start(ACTIVATE, [
      "--datagram",
      "--inetd",
      "--listen",
      "7850",
      Deno.execPath(),
      "run",
      "-A",
      MAIN_TS,
      "--home",
      b.home, // systemd-socket-activate passes on no environment
      "discovery",
      "respond",
      "--stdio",
      "--sync-port",
      String(SYNC_PORT),
    ], { env: b.env() });
    await unit.waitFor(/Listening on/);
    // sync serve leaves UDP 7850 to the socket, and says so.
    const serve = b.spawn(["sync", "serve", "--listen", `0.0.0.0:${SYNC_PORT}`], {
      timeoutMs: 120_000,
    });
    await serve.waitFor(/discovery: UDP port 7850 is taken .*; not answering here/);
    // b moves: where c last reached it is stale, so only discovery can find it.
    await b.underlay("down");
    await sh("ip", ["-n", b.ns, "address", "del", `${b.ip}/24`, "dev", "eth0"]);
    await sh("ip", ["-n", b.ns, "address", "add", `${MOVED}/24`, "dev", "eth0"]);
    await b.underlay("up");
    await c.write("pref", "set", "from.c", "2");
    const r = await c.syncNow(8);
    const line = r.lines.find((l) => l.name === "b");
    if (line?.status !== "synced") console.log((await unit.result()).stderr);
    assert.ok(line?.status === "synced", `${r.result.stdout}${r.result.stderr}`);
    assert.equal(line.path, "discovered");
    assert.equal(line.address, `${MOVED}:${SYNC_PORT}`);
    assert.ok(
      await eventually(
        async () => (await b.json<string>(["pref", "get", "from.c", "--json"])) === "2",
        10_000,
      ),
      "b did not get c's change",
    );
    const done = await unit.result();
    assert.match(done.stderr, /answered [1-9]\d* probe/);
  });
});
