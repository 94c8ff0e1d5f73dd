/**
 * @module private_key_argv_test
 * Another local user reads every process's argv (`/proc/PID/cmdline`, `ps`):
 * `mesh up` must hand the WireGuard private key to `wg` on standard input
 * only — never in an argument, never in a started process's environment —
 * on Linux with kernel WireGuard and with wireguard-go (through a recording
 * runner: the commands are what would run, nothing is changed on the host).
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import { meshUp } from "../../src/mesh/interface.ts";
import { planInterface } from "../../src/mesh/plan.ts";
import { fakeRunner, line } from "./fake_runner.ts";
import { Fixture, id, MESH, record } from "./plan_fixture.ts";

const KEY = new Uint8Array(32).map((_, i) => 200 - i);
const KEY_TEXT = toBase64(KEY);

for (const kernel of [true, false]) {
  Deno.test(`mesh up (${kernel ? "kernel WireGuard" : "wireguard-go"}): the private key goes to wg on stdin only, never in argv or a child's environment`, async () => {
    let exists = false;
    const runner = fakeRunner((c) => {
      const l = line(c);
      if (l === "ip link show dev mycel0") return exists ? { stdout: "3: mycel0:" } : { code: 1 };
      if (l === "ip link add dev mycel0 type wireguard") {
        if (!kernel) return { code: 2, stderr: "Error: Unknown device type." };
        exists = true;
      }
      if (c.started) exists = true;
      if (l === "ip -d link show dev mycel0") {
        return { stdout: kernel ? "3: mycel0:\n    wireguard" : "3: mycel0:\n    tun" };
      }
      if (l === "wg show mycel0 dump") {
        return { stdout: `(none)\t${"x".repeat(42)}A=\t51871\toff\n` };
      }
      if (l.startsWith("ip -j")) return { stdout: "[]" };
      return undefined;
    });
    const plan = planInterface(
      new Fixture().admit(record(1, "100.64.0.1"), record(2, "100.64.0.2")).state,
      MESH,
      id(1),
    );
    await meshUp({
      ifname: "mycel0",
      port: 51871,
      privateKey: KEY,
      plan,
      runner,
      platform: "linux",
    })
      .catch((e) => assert.fail(`mesh up failed: ${e}\n${runner.log.map(line).join("\n")}`));
    const withKey = runner.log.filter((c) => c.stdin?.includes(KEY_TEXT));
    assert.deepEqual(
      withKey.map(line),
      ["wg syncconf mycel0 /dev/stdin"],
      "the key went to wg on stdin",
    );
    assert.equal(
      runner.log.some((c) => c.started),
      !kernel,
      "wireguard-go started exactly when needed",
    );
    for (const c of runner.log) {
      assert.ok(!c.args.some((a) => a.includes(KEY_TEXT)), `the key is in the argv of ${line(c)}`);
      for (const [k, v] of Object.entries(c.env ?? {})) {
        assert.ok(!v.includes(KEY_TEXT), `the key is in ${k} of ${line(c)}`);
      }
    }
  });
}
