/**
 * @module interface_test
 * `mesh up` on Linux through a fake runner: all or nothing. A failure after
 * the interface was made removes it again; a failure while updating an
 * existing interface takes back the addresses and routes that call added and
 * leaves the interface; a port that is taken fails before anything else
 * changes, and the old port is put back. The names of failures are right
 * ("UDP port N is in use"). Endpoints of a live tunnel are kept.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { meshUp, type UpOptions } from "../../src/mesh/interface.ts";
import { planInterface } from "../../src/mesh/plan.ts";
import { fakeRunner, line, type Recorded } from "./fake_runner.ts";
import { Fixture, id, MESH, record, wgKey } from "./plan_fixture.ts";

const KEY = new Uint8Array(32).fill(9);
const OWN_PUB = "x".repeat(42) + "A=";

function plan() {
  return planInterface(
    new Fixture().admit(record(1, "100.64.0.1"), record(2, "100.64.0.2")).state,
    MESH,
    id(1),
  );
}

function dump(port: number, peer?: { endpoint: string; handshake: number }): string {
  const head = `(none)\t${OWN_PUB}\t${port}\toff`;
  if (!peer) return head + "\n";
  return `${head}\n${
    wgKey(2)
  }\t(none)\t${peer.endpoint}\t100.64.0.2/32\t${peer.handshake}\t10\t10\t25\n`;
}

/** A Linux with an existing kernel WireGuard interface mycel0 (or none). */
function linux(
  o: {
    exists: boolean;
    port?: number;
    fail?: (c: Recorded) => boolean;
    peer?: { endpoint: string; handshake: number };
  },
) {
  let exists = o.exists;
  return fakeRunner((c) => {
    if (o.fail?.(c)) {
      return {
        code: 1,
        stderr: c.cmd === "wg"
          ? "Unable to modify interface: Address already in use"
          : "RTNETLINK answers: File exists",
      };
    }
    const l = line(c);
    if (l === "ip link show dev mycel0") {
      return exists ? { stdout: "3: mycel0: <POINTOPOINT>" } : { code: 1 };
    }
    if (l === "ip link add dev mycel0 type wireguard") exists = true;
    if (l === "ip link del dev mycel0") exists = false;
    if (l === "ip -d link show dev mycel0") return { stdout: "3: mycel0:\n    wireguard" };
    if (l === "wg show mycel0 dump") return { stdout: dump(o.port ?? 51871, o.peer) };
    if (l.startsWith("ip -j")) return { stdout: "[]" };
    return undefined;
  });
}

function options(runner: UpOptions["runner"], extra: Partial<UpOptions> = {}): UpOptions {
  return {
    ifname: "mycel0",
    port: 51871,
    privateKey: KEY,
    plan: plan(),
    runner,
    platform: "linux",
    ...extra,
  };
}

Deno.test("mesh up: a failure after creating the interface removes it again", async () => {
  const runner = linux({ exists: false, fail: (c) => c.cmd === "wg" && c.args[0] === "syncconf" });
  await assert.rejects(meshUp(options(runner)), (e) => {
    assert.ok(isMycelError(e, "port_in_use"), String(e));
    assert.equal(e.message, "Cannot bring the mesh up: UDP port 51871 is in use (51871)");
    assert.match(e.hint!, /--port 51872/);
    return true;
  });
  const lines = runner.log.map(line);
  assert.ok(lines.includes("ip link add dev mycel0 type wireguard"));
  assert.equal(lines.at(-1), "ip link del dev mycel0", lines.join("\n"));
  assert.ok(!lines.some((l) => l.startsWith("ip address")), "addresses were set after the failure");
});

Deno.test("mesh up: a failing step on an existing interface takes back what it added, keeps the interface", async () => {
  const runner = linux({
    exists: true,
    fail: (c) => c.cmd === "ip" && c.args[0] === "route" && c.args[1] === "add",
  });
  // "File exists": a route someone else made to that address (never replaced).
  await assert.rejects(meshUp(options(runner)), (e) => isMycelError(e, "route_taken"));
  const lines = runner.log.map(line);
  const p = plan();
  for (const a of p.addresses) {
    assert.ok(lines.includes(`ip address replace ${a} dev mycel0`), `${a} was not added`);
    assert.ok(lines.includes(`ip address del ${a} dev mycel0`), `${a} was not taken back`);
  }
  assert.ok(!lines.includes("ip link del dev mycel0"), "the existing interface was removed");
});

Deno.test("mesh up: a taken port on an existing interface fails first and the old port is put back", async () => {
  const runner = linux({
    exists: true,
    port: 51871,
    fail: (c) => c.cmd === "wg" && c.args[0] === "set" && c.args[3] === "51999",
  });
  await assert.rejects(
    meshUp(options(runner, { port: 51999 })),
    (e) => isMycelError(e, "port_in_use"),
  );
  const wg = runner.log.filter((c) => c.cmd === "wg").map(line);
  assert.deepEqual(wg, [
    "wg show mycel0 dump",
    "wg set mycel0 listen-port 51999",
    "wg set mycel0 listen-port 51871",
  ]);
});

Deno.test("mesh up: a live tunnel keeps the endpoint WireGuard roamed to; routes are the peer's /32", async () => {
  const now = 1_800_000_000;
  const runner = linux({
    exists: true,
    peer: { endpoint: "203.0.113.9:40000", handshake: now - 30 },
  });
  const up = await meshUp(options(runner, { nowS: now }));
  const conf = runner.log.find((c) => c.cmd === "wg" && c.args[0] === "syncconf")!.stdin!;
  assert.match(conf, /^Endpoint = 203\.0\.113\.9:40000$/m);
  assert.deepEqual(up.endpoints, [{
    deviceId: id(2),
    endpoint: "203.0.113.9:40000",
    reason: "wireguard",
  }]);
  assert.deepEqual(up.handshakes, [{
    deviceId: id(2),
    endpoint: "203.0.113.9:40000",
    at: (now - 30) * 1000,
  }]);
  const lines = runner.log.map(line);
  assert.ok(lines.includes("ip route add 100.64.0.2/32 dev mycel0"));
  assert.ok(!lines.some((l) => l.includes("/10")), lines.join("\n"));
});

Deno.test("mesh up: a stale tunnel moves on to the recorded endpoint", async () => {
  const now = 1_800_000_000;
  const runner = linux({
    exists: true,
    peer: { endpoint: "203.0.113.9:40000", handshake: now - 600 },
  });
  const up = await meshUp(options(runner, { nowS: now }));
  assert.deepEqual(up.endpoints, [{
    deviceId: id(2),
    endpoint: "198.18.0.2:51871",
    reason: "first",
  }]);
  assert.deepEqual(up.handshakes, []);
});

Deno.test("mesh up with create: false does nothing when the interface is missing", async () => {
  const runner = linux({ exists: false });
  const up = await meshUp(options(runner, { create: false }));
  assert.equal(up.present, false);
  assert.deepEqual(runner.log.map(line), ["ip link show dev mycel0"]);
});
