/**
 * `mesh up` is all or nothing. With the WireGuard UDP port held by a socket
 * the test opened inside the namespace, a first `mesh up` fails saying which
 * port and how to fix it, and leaves no interface, no wireguard-go process,
 * no control socket and no change to the home (no entry, no recorded
 * interface). With a free `--port` it then works; asked to move that working
 * interface onto the taken port, it fails the same way and leaves the
 * interface as it was.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { alive, labTest, WG_PORT } from "./_netns.ts";

// Holds UDP port 51871 (IPv4 and IPv6) until killed.
const HOLD_PORT = `
import dgram from "node:dgram";
const port = Number(Deno.args[0]);
const v4 = dgram.createSocket("udp4");
const v6 = dgram.createSocket({ type: "udp6", ipv6Only: true });
v4.bind(port, "0.0.0.0", () => v6.bind(port, "::", () => console.log("holding " + port)));
setInterval(() => {}, 1 << 30);
`;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

labTest("mesh: a mesh up that fails (port taken) leaves nothing behind and says how to fix it", {
  nodes: ["a"],
}, async (lab) => {
  const [a] = lab.nodes;
  await a.init();
  const holder = a.start(Deno.execPath(), ["eval", HOLD_PORT, String(WG_PORT)]);
  await holder.waitFor(/holding/);
  const before = await a.status();

  const args = ["--no-sync", "mesh", "up", "--interface", a.ifname];
  const r = await a.run(args);
  assert.equal(r.code, 1, describe(args, r));
  assert.match(r.stderr, /Cannot bring the mesh up: UDP port 51871 is in use/, describe(args, r));
  assert.match(r.stderr, /^hint: Pass --port with a free port/m, describe(args, r));
  assert.ok(!(await a.linkExists()), "the interface was left behind");
  assert.deepEqual(await a.wireguardGoPids(), [], "a wireguard-go process was left behind");
  assert.ok(!(await exists(`/var/run/wireguard/${a.ifname}.sock`)), "its control socket was left");
  const after = await a.status();
  assert.equal(after.mesh.interface, null, "the failed interface was recorded");
  assert.equal(after.log.entries, before.log.entries, "the failed mesh up committed an entry");
  assert.equal(after.state_digest, before.state_digest);

  // A free port works; the holder is still there.
  const ok = await a.ok(["--no-sync", "mesh", "up", "--interface", a.ifname, "--port", "51872"]);
  assert.match(ok.stdout, /created \(wireguard-go, port 51872\)/);
  const pid = (await a.statePid())!;
  const dump = (await a.wgDump())!;
  assert.equal(dump.listenPort, 51872);

  // Moving the working interface onto the taken port fails and changes nothing.
  const move = ["--no-sync", "mesh", "up", "--interface", a.ifname, "--port", String(WG_PORT)];
  const m = await a.run(move);
  assert.equal(m.code, 1, describe(move, m));
  assert.match(m.stderr, /UDP port 51871 is in use/, describe(move, m));
  assert.ok(await a.linkExists(), "a failed update removed the working interface");
  assert.ok(await alive(pid), "a failed update stopped wireguard-go");
  assert.equal((await a.wgDump())!.listenPort, 51872);
  assert.equal(await a.statePid(), pid);
});
