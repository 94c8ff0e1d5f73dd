/**
 * @module doctor_probe_test
 * What `mycel doctor`'s peer check (a sync handshake, src/sync/peer_probe.ts)
 * leaves on the device it checks, through real processes on loopback: the
 * serving side logs it as a check, not as a failed session (a user
 * troubleshooting reads that log), `sync serve --stdio` exits 0 for it (a
 * socket-activated instance is not left failed), and nothing of the peer's
 * bookkeeping changes (the check never proves a live session).
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { childEnv, MAIN_TS, type TempHome, tempHome } from "../helpers/mycel.ts";
import { freePort } from "../helpers/net.ts";
import { peer } from "../service/_helpers.ts";

/** Two peered homes: `box` (runs doctor) and `other` (serves at `port`). */
async function pair(port: number): Promise<{ box: TempHome; other: TempHome; id: string }> {
  const box = await tempHome("mycel-probe-box-");
  const other = await tempHome("mycel-probe-other-");
  await box.ok(["--no-sync", "init", "--name", "box"]);
  await other.ok(["--no-sync", "init", "--name", "other", "--listen", `127.0.0.1:${port}`]);
  await peer(box, other);
  const id = (await box.json<{ device: { id: string } }>(["status", "--json"])).device.id;
  return { box, other, id };
}

/** `doctor --json`'s peer finding (doctor itself contacts peers). */
async function peerFinding(box: TempHome): Promise<{ ok: boolean; detail: string }> {
  const r = await box.run(["doctor", "--json"], { env: { MYCEL_OFFLINE: undefined } });
  const found = JSON.parse(r.stdout).findings.filter((f: { check: string }) => f.check === "peer");
  assert.equal(found.length, 1, r.stdout);
  return found[0];
}

Deno.test("doctor's peer check is logged by sync serve --listen as a check, not a failed session, and changes none of its bookkeeping", async () => {
  const port = freePort();
  const { box, other, id: full } = await pair(port);
  const id = full.split("-")[0];
  await using _b = box;
  await using _o = other;
  const before = await other.json<{ peers: unknown[] }>(["status", "--json"]);
  await using server = other.spawn(["sync", "serve", "--listen", `127.0.0.1:${port}`]);
  await server.waitFor(/listening on/);
  const found = await peerFinding(box);
  assert.equal(found.ok, true, found.detail);
  assert.match(found.detail, /sync handshake answered/);
  await server.waitFor(/box \(\w+\)/, { stream: "stderr" });
  const { stderr } = await server.stop("SIGTERM");
  // Before: "failed box (ID): the peer hung up before it was done".
  assert.doesNotMatch(stderr, /failed|hung up/, stderr);
  assert.match(stderr, new RegExp(`^checked by box \\(${id}\\): a sync handshake only`, "m"));
  const after = await other.json<{ peers: unknown[] }>(["status", "--json"]);
  assert.deepEqual(after.peers, before.peers, "no last seen, last error or address noted");
});

Deno.test("doctor's peer check ends sync serve --stdio with exit 0 (a socket-activated instance is not left failed)", async () => {
  const port = freePort();
  const { box, other, id: full } = await pair(port);
  const id = full.split("-")[0];
  await using _b = box;
  await using _o = other;
  // inetd's part: each connection to the endpoint is one `sync serve --stdio`.
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const served: Promise<{ code: number; stderr: string }>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [...denoRunArgs(MAIN_TS), "sync", "serve", "--stdio", "--timeout", "10"],
        env: childEnv({ home: other.home }),
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      void conn.readable.pipeTo(child.stdin).catch(() => {});
      void child.stdout.pipeTo(conn.writable).catch(() => {});
      const stderr = new Response(child.stderr).text();
      served.push(child.status.then(async (s) => ({ code: s.code, stderr: await stderr })));
    }
  })().catch(() => {});
  try {
    const found = await peerFinding(box);
    assert.equal(found.ok, true, found.detail);
  } finally {
    listener.close();
    await accepting;
  }
  const results = await Promise.all(served);
  assert.equal(results.length, 1, JSON.stringify(results));
  const [{ code, stderr }] = results;
  assert.match(stderr, new RegExp(`^checked by box \\(${id}\\): a sync handshake only`, "m"));
  // Before: exit 1, "failed box (ID): the peer hung up before it was done".
  assert.equal(code, 0, stderr);
});
