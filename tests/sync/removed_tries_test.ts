/**
 * @module removed_tries_test
 * A stolen phone, removed by the owner, keeps trying to sync with the
 * owner's laptop. Before, only `sync serve`'s output said so ("refused
 * phone (…): this device was removed …"); `mesh list`, `doctor` and
 * `status --json` on the laptop said nothing (found walking through a stolen
 * phone, H113). Now the laptop counts each attempt that proved the phone's
 * key and is no replay (src/sync/removed_tries.ts), at most one write a
 * minute per removed device. Real processes on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes.ts";
import type { MeshRowJson, StatusJson } from "../../src/cli/json_types.ts";
import { freePort, idleSocket } from "../helpers/net.ts";
import { type Device, devices } from "./_helpers.ts";
import { activatedDone, activateServe, activatorAvailable } from "./_socket_activate.ts";

/**
 * A relay on `target`'s advertised endpoint to its server on `serverPort`,
 * keeping the first frame of the first connection it relays: what an
 * on-path listener can replay later.
 */
function relayTo(target: Device, serverPort: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: target.port });
  let first: Uint8Array | undefined;
  const chunks: Uint8Array[] = [];
  const pump = async (a: Deno.Conn, b: Deno.Conn, keep: boolean) => {
    const buf = new Uint8Array(65536);
    try {
      for (let n; (n = await a.read(buf)) !== null;) {
        if (keep) chunks.push(buf.slice(0, n));
        await b.write(buf.subarray(0, n));
      }
    } catch {
      // closed
    }
    try {
      b.close();
    } catch {
      // closed already
    }
  };
  const running = (async () => {
    for await (const client of listener) {
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port: serverPort });
      const keep = first === undefined && chunks.length === 0;
      pump(client, upstream, keep).then(() => {
        if (!keep) return;
        const sent = concatBytes(...chunks);
        first = sent.slice(0, 2 + new DataView(sent.buffer, sent.byteOffset).getUint16(0));
      });
      pump(upstream, client, false);
    }
  })();
  return {
    first: () => first!,
    async [Symbol.asyncDispose]() {
      listener.close();
      await running.catch(() => {});
    },
  };
}

/** Deliver `message` on a fresh connection to `port` and wait for the hang-up. */
async function replay(port: number, message: Uint8Array): Promise<void> {
  const s = idleSocket(port, "127.0.0.1");
  try {
    await s.connected;
    s.write(message);
    await s.closed;
  } finally {
    s.destroy();
  }
}

/** laptop and phone, synced once; then the laptop removes the phone. */
async function stolenPhone() {
  const devs = await devices(["laptop", "phone"]);
  const [laptop, phone] = devs.list;
  await devs.peer(laptop, phone);
  await laptop.serve();
  assert.equal((await phone.syncAll()).of(laptop).status, "synced");
  await laptop.stopServer();
  await laptop.write("mesh", "remove", "phone", "--yes");
  return { devs, laptop, phone };
}

/** What the laptop says of the phone's attempts: mesh list and status JSON, doctor and mesh list text. */
async function told(laptop: Device, phone: Device) {
  const rows = await laptop.tmp.json<MeshRowJson[]>(["mesh", "list", "--json"]);
  const status = await laptop.tmp.json<StatusJson>(["status", "--json"]);
  return {
    row: rows.find((r) => r.id === phone.id)!.tried,
    status: status.removed_tries,
    list: (await laptop.ok(["mesh", "list"])).stdout,
    doctor: (await laptop.run(["--no-sync", "doctor"])).stdout,
    text: (await laptop.ok(["status"])).stdout,
  };
}

Deno.test("a removed phone's attempts to sync are counted on the laptop (sync serve --listen), replays of its message are not, and mesh list, doctor and status --json say so", async () => {
  const { devs, laptop, phone } = await stolenPhone();
  await using _devs = devs;
  const serverPort = freePort();
  const server = laptop.tmp.spawn(
    ["sync", "serve", "--listen", `127.0.0.1:${serverPort}`, "--timeout", "10"],
    { timeoutMs: 0 },
  );
  try {
    await server.waitFor(/listening on \S+/, { stream: "stderr", timeoutMs: 30_000 });
    {
      await using relay = relayTo(laptop, serverPort);
      for (let i = 0; i < 3; i++) {
        const o = (await phone.syncNow()).of(laptop);
        assert.deepEqual([o.status, o.code], ["refused", "removed"], JSON.stringify(o));
      }
      // The phone's first message, captured on the way, replayed: no attempt of the phone's.
      for (let i = 0; i < 2; i++) await replay(serverPort, relay.first());
    }
    await server.waitFor(/(?:refused [^\n]*\n[\s\S]*){5}/, { stream: "stderr", timeoutMs: 10_000 });
  } finally {
    // Stopping writes what the last minute added up.
    server.kill("SIGTERM");
    await server.result();
  }
  const { row, status, list, doctor, text } = await told(laptop, phone);
  assert.equal(row?.count, 3, JSON.stringify(row));
  assert.match(row!.from, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(status, [{ device: phone.id, name: "phone", ...row! }]);
  const line =
    /phone, removed, tried to connect 3 times, last (just now|\d+s ago) from 127\.0\.0\.1:\d+$/m;
  assert.match(list, line, list);
  assert.match(doctor, line, doctor);
  assert.match(
    text,
    /^phone, removed, tried to connect 3 times, last .* \(mycel doctor says more\)$/m,
    text,
  );
  assert.match(doctor, /refused each time and nothing it sent was taken/, doctor);
});

Deno.test({
  name:
    "sync serve --stdio: a removed phone's attempts are counted at most once a minute (each connection is a process of its own)",
  ignore: !(await activatorAvailable()),
  async fn() {
    const { devs, laptop, phone } = await stolenPhone();
    await using _devs = devs;
    const activator = await activateServe(laptop);
    try {
      for (let i = 0; i < 3; i++) {
        const o = (await phone.syncNow()).of(laptop);
        assert.deepEqual([o.status, o.code], ["refused", "removed"], JSON.stringify(o));
      }
      await activatedDone(activator);
    } finally {
      await activator.stop("SIGTERM");
    }
    const { row, status, doctor } = await told(laptop, phone);
    assert.equal(row?.count, 1, JSON.stringify(row));
    assert.equal(status.length, 1);
    assert.match(doctor, /phone, removed, tried to connect 1 time, last /, doctor);
  },
});
