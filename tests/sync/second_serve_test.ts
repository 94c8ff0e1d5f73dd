/**
 * Two `sync serve --listen` of one home on different ports (a user trying
 * another port while the first still runs). Before, the second moved the
 * advertised endpoint to its port while the first still answered on the
 * old one, and it stayed moved after the second stopped: the other devices
 * were told a port nothing answered on. And `doctor` on them tried only the
 * advertised endpoints, so it said the peer was unreachable while `sync now`
 * still reached it where a session last worked.
 */

import assert from "node:assert/strict";
import { devices, freePort } from "./_helpers.ts";

Deno.test(
  "a second serve on another port leaves the endpoint a live serve of the same home answers on",
  async () => {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    await devs.peer(a, b);
    await a.serve();
    let q = freePort();
    while (q === a.port) q = freePort();
    await using second = a.tmp.spawn(
      ["sync", "serve", "--listen", `127.0.0.1:${q}`, "--timeout", "10"],
      { timeoutMs: 0 },
    );
    await second.waitFor(/listening on/, { stream: "stderr", timeoutMs: 20_000 });
    await second.waitFor(/another `mycel sync serve`|Advertising/, {
      stream: "stderr",
      timeoutMs: 20_000,
    });
    assert.match(
      second.stderr,
      new RegExp(
        `Still advertising 127\\.0\\.0\\.1:${a.port}: another \`mycel sync serve\` of this ` +
          `home answers there`,
      ),
    );
    await second.stop("SIGTERM");
    assert.deepEqual((await a.status()).device.endpoints, [a.endpoint]);
    const r = await b.syncNow();
    assert.equal(r.of(a).status, "synced", JSON.stringify(r.of(a)));
    assert.equal(r.of(a).address, a.endpoint);
  },
);

Deno.test(
  "doctor tries where a session with the peer last worked, as sync now does, " +
    "not only the endpoints the peer advertises",
  async () => {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    await devs.peer(a, b);
    await a.serve();
    await b.syncAll(); // b remembers a at a.endpoint
    let dead = freePort();
    while (dead === a.port) dead = freePort();
    await a.write("mesh", "set-endpoint", `127.0.0.1:${dead}`);
    await b.syncAll(); // b learns the new (wrong) endpoint, through the one that worked
    const doctor = await b.run(["doctor", "--json"], { env: { MYCEL_OFFLINE: undefined } });
    const found = JSON.parse(doctor.stdout).findings.filter((f: { check: string }) =>
      f.check === "peer"
    );
    assert.equal(found.length, 1, doctor.stdout);
    assert.equal(found[0].ok, true, found[0].detail);
    assert.match(found[0].detail, new RegExp(`reachable at 127\\.0\\.0\\.1:${a.port}`));
  },
);
