/**
 * `sync serve --listen` restarted on another port than the device's pinned
 * endpoint (`init --listen 127.0.0.1:P`, a DNS name). Before, serve said
 * nothing and the record kept the old port: the other devices dialled it
 * and never found this one until `mesh set-endpoint`. Now a pinned endpoint
 * at an address the listener is bound to follows its port (the listener is
 * there, so nothing that reached the old one is lost); one it can't vouch
 * for (a name: maybe a port forward) is warned about with the command that
 * fixes it. And a round no longer moves the device's own addresses back to
 * the pinned endpoint's port right after serve moved them to its own.
 */

import assert from "node:assert/strict";
import { devices, freePort } from "./_helpers.ts";

Deno.test(
  "serve on another port than the pinned 127.0.0.1:P advertises the new port, " +
    "and a peer that only knew the old one finds it after one round",
  async () => {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    await devs.peer(a, b);
    await b.serve();
    let q = freePort();
    while (q === a.port) q = freePort();
    await using server = a.tmp.spawn(
      ["sync", "serve", "--listen", `127.0.0.1:${q}`, "--timeout", "10"],
      { timeoutMs: 0 },
    );
    await server.waitFor(
      new RegExp(`Advertising 127\\.0\\.0\\.1:${q} instead of 127\\.0\\.0\\.1:${a.port}`),
      { stream: "stderr", timeoutMs: 20_000 },
    );
    assert.deepEqual((await a.status()).device.endpoints, [`127.0.0.1:${q}`]);
    await a.syncAll(); // b gets a's record from a itself
    await b.stopServer();
    const r = await b.syncNow();
    assert.equal(r.of(a).status, "synced", JSON.stringify(r.of(a)));
    assert.equal(r.of(a).address, `127.0.0.1:${q}`);
  },
);

Deno.test(
  "serve on another port than a pinned name warns with the fix, and a round " +
    "keeps the device's own addresses at the port it listens on",
  async () => {
    await using devs = await devices(["a"]);
    const [a] = devs.list;
    const env = { MYCEL_ADDRESSES: "10.9.9.9" };
    await a.ok(["mesh", "set-endpoint", "nas.example.org:7850"], { env });
    const q = freePort();
    await using server = a.tmp.spawn(
      ["sync", "serve", "--listen", `127.0.0.1:${q}`, "--timeout", "10"],
      { timeoutMs: 0, env },
    );
    await server.waitFor(/hint: .*\n?/, { stream: "stderr", timeoutMs: 20_000 });
    assert.match(
      server.stderr,
      new RegExp(
        `warning: peers are told to reach this device at nas\\.example\\.org:7850, ` +
          `but it listens on port ${q}`,
      ),
    );
    assert.match(server.stderr, new RegExp(`mycel mesh set-endpoint nas\\.example\\.org:${q}\``));
    const after = [`nas.example.org:7850`, `10.9.9.9:${q}`];
    assert.deepEqual((await a.status()).device.endpoints, after);
    await a.run(["sync", "now"], { env }); // no peers: it only keeps its record current
    assert.deepEqual((await a.status()).device.endpoints, after);
  },
);
