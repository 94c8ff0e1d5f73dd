/**
 * @module darwin_test
 * macOS `mesh up`, rendered on any platform through a fake runner that
 * plays the part of macOS (wireguard-go writes the utun name file,
 * `ifconfig` and `netstat` show what was configured). The commands are
 * compared with what wg-quick's darwin script (wireguard-tools,
 * src/wg-quick/darwin.bash) runs for the same config, written down here
 * from reading that script:
 *
 *     [Interface]  Address = <own /32>, <own ULA>/48   MTU = 1420
 *     [Peer]       AllowedIPs = <peer /32>, <peer /128>
 *
 *   wireguard-go utun                          (WG_TUN_NAME_FILE=/var/run/wireguard/mycel0.name)
 *   wg addconf utun7 /dev/fd/63
 *   ifconfig utun7 inet <own>/32 <own> alias
 *   ifconfig utun7 inet6 <own ULA>/48 alias
 *   ifconfig utun7 mtu 1420
 *   ifconfig utun7 up
 *   route -q -n add -inet6 <peer>/128 -interface utun7   (allowed IPs, longest prefix first)
 *   route -q -n add -inet <peer>/32 -interface utun7
 *
 * Two differences are deliberate: mycel runs `wireguard-go -f utun`
 * (foreground, started detached, so it holds the PID) and `wg syncconf …
 * /dev/stdin` (idempotent re-runs, key on stdin). `mesh down` removes the
 * control socket and the name file, as the script's `del_if` does.
 */

import assert from "node:assert/strict";
import { parseIfconfig, parseNetstat } from "../../src/mesh/darwin_parse.ts";
import { meshDown, meshUp } from "../../src/mesh/interface.ts";
import { WG_RUN_DIR } from "../../src/mesh/net_darwin.ts";
import { planInterface } from "../../src/mesh/plan.ts";
import { fakeRunner, line, type Recorded } from "./fake_runner.ts";
import { dk, Fixture, id, MESH, record, wgKey } from "./plan_fixture.ts";

const READS = new Set(["cat", "netstat", "ps"]);

/** A fake macOS: one utun made by wireguard-go, its addresses and static routes. */
function fakeDarwin() {
  let made = false;
  const addrs: string[] = [];
  const routes: string[] = [];
  const runner = fakeRunner((c: Recorded) => {
    const a = c.args;
    if (c.started && c.cmd === "wireguard-go") made = true;
    if (c.cmd === "cat") return made ? { stdout: "utun7\n" } : { code: 1, stderr: "No such file" };
    if (c.cmd === "ifconfig" && a.length === 1) {
      if (!made) return { code: 1 };
      const lines = addrs.map((x) => {
        const [ip, len] = x.split("/");
        return ip.includes(":")
          ? `\tinet6 ${ip} prefixlen ${len}`
          : `\tinet ${ip} --> ${ip} netmask 0xffffffff`;
      });
      return {
        stdout: `utun7: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu 1420\n${
          lines.join("\n")
        }\n`,
      };
    }
    if (c.cmd === "ifconfig" && a.at(-1) === "alias") addrs.push(a[2]);
    if (c.cmd === "route" && a[2] === "add") routes.push(a[4]);
    if (c.cmd === "route" && a[2] === "delete") routes.splice(routes.indexOf(a[4]), 1);
    if (c.cmd === "netstat") {
      const v6 = a[2] === "inet6";
      const rows = routes.filter((r) => r.includes(":") === v6).map((r) =>
        `${r.replace(/\/(32|128)$/, "")}  utun7  UHS  utun7`
      );
      return {
        stdout: `Routing tables\n\nInternet:\nDestination  Gateway  Flags  Netif Expire\n${
          rows.join("\n")
        }\n`,
      };
    }
    if (c.cmd === "ps") return { code: 1 };
    return undefined;
  });
  return { runner, routes, addrs };
}

function twoDevices(): Fixture {
  return new Fixture().admit(record(1, "100.64.0.1"), record(2, "100.64.0.2"));
}

Deno.test("macOS mesh up runs what wg-quick's darwin script runs for the same config", async () => {
  const f = twoDevices();
  const plan = planInterface(f.state, MESH, id(1));
  const [own4, own6] = plan.addresses;
  const [peer4, peer6] = plan.peers[0].allowedIps;
  const { runner } = fakeDarwin();
  const up = await meshUp({
    ifname: "mycel0",
    port: 51871,
    privateKey: new Uint8Array(32).fill(7),
    plan,
    runner,
    platform: "darwin",
  });
  assert.equal(up.real, "utun7");
  assert.equal(up.backend, "wireguard-go");
  const wgQuick = [
    "wireguard-go utun",
    "wg addconf utun7 /dev/fd/63",
    `ifconfig utun7 inet ${own4} ${own4.split("/")[0]} alias`,
    `ifconfig utun7 inet6 ${own6} alias`,
    "ifconfig utun7 mtu 1420",
    "ifconfig utun7 up",
    `route -q -n add -inet6 ${peer6} -interface utun7`,
    `route -q -n add -inet ${peer4} -interface utun7`,
  ];
  const ours = runner.log
    .filter((c) => !READS.has(c.cmd) && !(c.cmd === "ifconfig" && c.args.length === 1))
    .filter((c) => !(c.cmd === "mkdir"))
    .map((c) =>
      line(c).replace("wireguard-go -f utun", "wireguard-go utun")
        .replace("wg syncconf utun7 /dev/stdin", "wg addconf utun7 /dev/fd/63")
    );
  assert.deepEqual(ours, wgQuick);
  const go = runner.log.find((c) => c.cmd === "wireguard-go")!;
  assert.deepEqual(go.env, { WG_TUN_NAME_FILE: `${WG_RUN_DIR}/mycel0.name` });
  const conf = runner.log.find((c) => c.cmd === "wg")!.stdin!;
  assert.match(conf, /^ListenPort = 51871$/m);
  assert.match(conf, new RegExp(`^PublicKey = ${wgKey(2).replaceAll("+", "\\+")}$`, "m"));
  assert.ok(runner.log.every((c) => !c.args.some((x) => x.includes("PrivateKey"))));
});

Deno.test("macOS mesh up again follows the plan: revoked peer's routes go, new peer's come", async () => {
  const f = twoDevices();
  const { runner, routes } = fakeDarwin();
  const opts = {
    ifname: "mycel0",
    port: 51871,
    privateKey: new Uint8Array(32).fill(7),
    runner,
    platform: "darwin" as const,
  };
  await meshUp({ ...opts, plan: planInterface(f.state, MESH, id(1)) });
  const before = [...routes];
  f.apply(1, 50, [{ type: "device.revoke", device: dk(2), upTo: 0 }]);
  f.apply(1, 60, [{ type: "device.add", device: record(3, "100.64.0.3") }]);
  runner.log.length = 0;
  const plan = planInterface(f.state, MESH, id(1));
  const up = await meshUp({ ...opts, plan });
  assert.equal(up.created, false);
  assert.deepEqual(routes.sort(), [...plan.routes4, ...plan.routes6].sort());
  const deleted = runner.log.filter((c) => c.cmd === "route" && c.args[2] === "delete").map((c) =>
    c.args[4]
  );
  assert.deepEqual(deleted.sort(), before.sort());
  assert.ok(!runner.log.some((c) => c.cmd === "wireguard-go"), "a second wireguard-go was started");
  assert.ok(
    !runner.log.some((c) => c.cmd === "ifconfig" && c.args.at(-1) === "alias"),
    "addresses re-added",
  );
});

Deno.test("macOS mesh down removes the control socket and the name file, as wg-quick does", async () => {
  const { runner } = fakeDarwin();
  const f = twoDevices();
  await meshUp({
    ifname: "mycel0",
    port: 51871,
    privateKey: new Uint8Array(32).fill(7),
    plan: planInterface(f.state, MESH, id(1)),
    runner,
    platform: "darwin",
  });
  runner.log.length = 0;
  const r = await meshDown(runner, "mycel0", 40001, "darwin");
  assert.equal(r.removed, true);
  const mutating = runner.log.filter((c) => c.cmd === "rm").map(line);
  assert.deepEqual(mutating, [`rm -f ${WG_RUN_DIR}/utun7.sock`, `rm -f ${WG_RUN_DIR}/mycel0.name`]);
});

Deno.test("macOS ifconfig and netstat output read back as addresses and mycel's static routes", () => {
  const ifconfig = [
    "utun7: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu 1420",
    "\toptions=6463<RXCSUM,TXCSUM,TSO4,TSO6,CHANNEL_IO,PARTIAL_CSUM,ZEROINVERT_CSUM>",
    "\tinet 100.64.0.1 --> 100.64.0.1 netmask 0xffffffff",
    "\tinet6 fe80::1%utun7 prefixlen 64 scopeid 0x14",
    "\tinet6 fd12:3456:789a::1 prefixlen 48",
    "\tnd6 options=201<PERFORMNUD,DAD>",
  ].join("\n");
  assert.deepEqual(parseIfconfig(ifconfig), ["100.64.0.1/32", "fd12:3456:789a::1/48"]);
  const netstat4 = [
    "Routing tables",
    "",
    "Internet:",
    "Destination        Gateway            Flags               Netif Expire",
    "default            192.168.1.1        UGScg                 en0",
    "100.64/10          utun3              USc                 utun3",
    "100.64.0.2         utun7              UHS                 utun7",
    "100.64.0.1         100.64.0.1         UH                  utun7",
    "192.168.1          link#6             UCS                   en0      !",
  ].join("\n");
  assert.deepEqual(parseNetstat(netstat4, "utun7"), ["100.64.0.2/32"]);
  assert.deepEqual(parseNetstat(netstat4, "utun3"), ["100.64.0.0/10"]);
  const netstat6 = [
    "Internet6:",
    "Destination                             Gateway                         Flags         Netif Expire",
    "fd12:3456:789a::2                       utun7                           UHS           utun7",
    "fe80::%utun7/64                         fe80::1%utun7                   UcI           utun7",
  ].join("\n");
  assert.deepEqual(parseNetstat(netstat6, "utun7"), ["fd12:3456:789a::2/128"]);
});
