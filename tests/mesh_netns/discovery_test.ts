/**
 * LAN discovery with no server and no endpoint recorded: two namespaces on
 * one bridge, host A probes (IPv4 directed broadcast, IPv6 all-nodes on
 * eth0) and finds host B's address and sync port — with B answering from a
 * long-running responder (as inside `sync serve --listen`), and with B's
 * responder socket-activated (`systemd-socket-activate --datagram --inetd`
 * holds UDP 7850 and starts the responder on the first probe, giving it
 * the socket as standard input, as a systemd `.socket` unit with
 * `Accept=no` would). A probe with another mesh's secret gets no answer.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { toBase64 } from "../../src/bytes.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import { describe } from "../helpers/mycel.ts";
import { which } from "../helpers/process.ts";
import { eventually, IN_CI, labTest, type Node, SYNC_PORT } from "./_netns.ts";

const SCRIPT = fileURLToPath(new URL("./_discovery_node.ts", import.meta.url));
const A = deviceIdFromKey(new Uint8Array(32).fill(1));
const B = deviceIdFromKey(new Uint8Array(32).fill(2));
const ACTIVATE = which("systemd-socket-activate");

interface FoundJson {
  deviceId: string;
  host: string;
  port: number;
}

async function secretFile(n: Node, secret: Uint8Array): Promise<string> {
  const path = `${n.dir}/discovery-${toBase64(secret.slice(0, 3)).replace(/\W/g, "")}.key`;
  await Deno.writeFile(path, secret, { mode: 0o600 });
  return path;
}

/** Wait until eth0's IPv6 link-local address has passed duplicate address detection. */
async function linkLocalReady(n: Node): Promise<void> {
  const ready = await eventually(async () => {
    const r = await n.exec("ip", ["-6", "address", "show", "dev", "eth0", "scope", "link"]);
    return r.stdout.includes("fe80::") && !r.stdout.includes("tentative");
  }, 10_000);
  assert.ok(ready, `${n.name}: no usable IPv6 link-local address`);
}

interface ProbeJson {
  found: FoundJson[];
  counters: { sent: number; sentBytes: number; received: number };
}

async function probeFrom(a: Node, secret: string, listenMs: number): Promise<ProbeJson> {
  const args = ["run", "-A", SCRIPT, "probe", secret, A, String(SYNC_PORT), B];
  const env = { ...Deno.env.toObject(), LISTEN_MS: String(listenMs) };
  const r = await a.exec(Deno.execPath(), args, { env });
  assert.equal(r.code, 0, describe(args, r));
  const out = JSON.parse(r.stdout) as ProbeJson;
  // One 44-byte probe per link: IPv4 broadcast and IPv6 all-nodes on eth0.
  assert.deepEqual({ sent: out.counters.sent, bytes: out.counters.sentBytes }, {
    sent: 2,
    bytes: 88,
  });
  return out;
}

function assertFoundB(found: FoundJson[], b: Node): void {
  const v4 = found.filter((f) => !f.host.includes(":"));
  assert.deepEqual(v4, [{ deviceId: B, host: b.ip, port: SYNC_PORT }], JSON.stringify(found));
  const v6 = found.filter((f) => f.host.includes(":"));
  assert.equal(v6.length, 1, JSON.stringify(found));
  assert.match(v6[0].host, /^fe80::[0-9a-f:]+%eth0$/);
  assert.equal(v6[0].deviceId, B);
}

labTest(
  "discovery: A finds B's address and sync port on the link, B answering live or socket-activated",
  {
    nodes: ["a", "b"],
  },
  async (lab, t) => {
    const [a, b] = lab.nodes;
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const [aSecret, bSecret] = [await secretFile(a, secret), await secretFile(b, secret)];
    const stranger = await secretFile(a, crypto.getRandomValues(new Uint8Array(32)));
    await Promise.all([linkLocalReady(a), linkLocalReady(b)]);

    await t.step("B answers from a running responder", async () => {
      const responder = b.start(Deno.execPath(), [
        "run",
        "-A",
        SCRIPT,
        "respond",
        bSecret,
        B,
        String(SYNC_PORT),
      ]);
      await responder.waitFor(/answering/);
      assertFoundB((await probeFrom(a, aSecret, 1000)).found, b);
      assert.deepEqual((await probeFrom(a, stranger, 500)).found, [], "B answered a stranger");
      const done = await responder.stop("SIGTERM");
      // One answer per probe that reached it (IPv4 and IPv6), none to the stranger.
      assert.deepEqual(JSON.parse(done.stderr.trim().split("\n").at(-1)!), {
        sent: 2,
        sentBytes: 88,
        received: 4,
      });
    });

    if (!ACTIVATE && !IN_CI) {
      console.log(
        "mesh_netns: skipping socket activation: systemd-socket-activate is missing",
      );
    }
    await t.step({
      name: "B's socket-activated responder starts on the probe and answers it",
      ignore: !ACTIVATE && !IN_CI,
      fn: async () => {
        assert.ok(
          ACTIVATE,
          "systemd-socket-activate is missing (scripts/install_test_deps.sh installs systemd)",
        );
        const unit = b.start(ACTIVATE, [
          "--datagram",
          "--inetd",
          "--listen",
          "7850",
          Deno.execPath(),
          "run",
          "-A",
          SCRIPT,
          "stdin",
          bSecret,
          B,
          String(SYNC_PORT),
        ]);
        await unit.waitFor(/Listening on/);
        // The first probe starts the responder; give it time to come up.
        assertFoundB((await probeFrom(a, aSecret, 5000)).found, b);
        const done = await unit.result();
        assert.equal(done.code, 0, done.stderr);
        // One answer for the prober, sent on both links: 2 packets.
        assert.match(done.stderr, /answered 1 \{"sent":2,"sentBytes":88,"received":2\}/);
      },
    });
  },
);
